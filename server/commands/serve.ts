import { parseArgs } from 'node:util';
import { createCollector } from '../app.js';
import { loadConfigFile } from '../config/load.js';
import { isConfigError } from '../errors/config-error.js';
import { listen } from '../listen.js';
import { createLogger } from '../logger.js';

export const serveUsage = 'blueconic-bridge serve --config <file.json> [--port N] [--host H]   (env PORT, HOST)';

const serveHelp = `usage: ${serveUsage}

Runs the collector until SIGTERM or SIGINT, then finishes the requests in flight and exits 0.
  --config <file.json>  the configuration (every field: docs/collector.md); "env:NAME" values come from the environment
  --port N              the port to listen on (default: env PORT, else 8080; 0 picks a free one)
  --host H              the interface to listen on (default: env HOST, else 0.0.0.0)
  -h, --help            this text
Env LOG_LEVEL (default info) sets the log level: debug, info, warn, error or silent.
`;

// A request in flight at shutdown gets this long to finish (a decision waits at most 3 s).
const shutdownGraceMs = 10_000;

export interface CommandIo {
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WritableStream;
	env: NodeJS.ProcessEnv;
}

/** `blueconic-bridge serve`: runs the collector until SIGTERM or SIGINT, then drains and exits 0. */
export async function runServeCommand(argv: string[], io: CommandIo): Promise<number> {
	let options: { config?: string; port?: string; host?: string; help?: boolean };
	try {
		({ values: options } = parseArgs({
			args: argv,
			options: {
				config: { type: 'string' },
				port: { type: 'string' },
				host: { type: 'string' },
				help: { type: 'boolean', short: 'h' },
			},
			strict: true,
		}));
	} catch (error) {
		io.stderr.write(`${(error as Error).message}\nusage: ${serveUsage}\n`);
		return 2;
	}
	if (options.help) {
		io.stdout.write(serveHelp);
		return 0;
	}
	if (options.config === undefined) {
		io.stderr.write(`--config is required\nusage: ${serveUsage}\n`);
		return 2;
	}
	const portText = options.port ?? io.env.PORT ?? '8080';
	const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
	if (!(port <= 65_535)) {
		io.stderr.write(`the port must be a number from 0 to 65535, not "${portText}"\n`);
		return 2;
	}
	const host = options.host ?? io.env.HOST ?? '0.0.0.0';

	const logger = createLogger(io.env.LOG_LEVEL ?? 'info');
	let running;
	try {
		const config = await loadConfigFile(options.config, io.env);
		running = await listen(createCollector(config, { logger }), { port, host });
	} catch (error) {
		io.stderr.write(isConfigError(error) ? `${error.message}\n` : `cannot start: ${(error as Error).message}\n`);
		return 1;
	}
	io.stdout.write(`blueconic-bridge collector listening on ${running.url}\n`);

	const signal = await new Promise<NodeJS.Signals>((resolve) => {
		process.once('SIGTERM', () => resolve('SIGTERM'));
		process.once('SIGINT', () => resolve('SIGINT'));
	});
	logger.info({ signal }, 'shutting down: finishing requests in flight');
	const timeout = new Promise<'timed out'>((resolve) => setTimeout(resolve, shutdownGraceMs, 'timed out').unref());
	if ((await Promise.race([running.stop(), timeout])) === 'timed out') {
		logger.warn('requests still in flight after the grace period; closing their connections');
		running.server.closeAllConnections();
		return 1;
	}
	logger.info('stopped');
	return 0;
}
