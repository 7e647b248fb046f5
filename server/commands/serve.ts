import { parseArgs } from 'node:util';
import { type Collector, createCollector } from '../app.js';
import { readConfigJson } from '../config/load.js';
import type { CollectorConfigInput } from '../config/schema.js';
import { isConfigError } from '../errors/config-error.js';
import { listen, type RunningCollector } from '../listen.js';
import { createLogger, type Logger } from '../logger.js';

export const serveUsage = 'blueconic-bridge serve --config <file.json> [--port N] [--host H]   (env PORT, HOST)';

const serveHelp = `usage: ${serveUsage}

Runs the collector until SIGTERM or SIGINT, then finishes the requests in flight and exits 0 (1 when some had to be
cut at the end of server.shutdownGraceSeconds). SIGTERM first drains for server.drainSeconds; a second SIGTERM or
SIGINT during the shutdown closes every connection and exits 1 at once. SIGHUP reloads the configuration file (so
does a change to it): a valid change of a live field applies at once, anything else is logged and the running
configuration kept (docs/collector.md, Live configuration).
  --config <file.json>  the configuration (every field: docs/collector.md); "env:NAME" values come from the environment
  --port N              the port to listen on (default: env PORT, else 8080; 0 picks a free one)
  --host H              the interface to listen on (default: env HOST, else 0.0.0.0)
  -h, --help            this text
Env LOG_LEVEL (default info) sets the log level: debug, info, warn, error or silent.
`;

// Past the drain and the grace, a shutdown that still has not ended (a store that will not close) gives up.
const shutdownBackstopMs = 5_000;

export interface CommandIo {
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WritableStream;
	env: NodeJS.ProcessEnv;
}

/**
 * `blueconic-bridge serve`: runs the collector until SIGTERM or SIGINT, then shuts down (see `RunningCollector.stop`)
 * and exits 0, or 1 when requests in flight had to be cut, when a second SIGTERM or SIGINT stopped it at once, or
 * when the shutdown did not complete. SIGHUP reloads the configuration file. The process must exit once this resolves: after
 * a second signal or a stuck shutdown, handles are still open.
 */
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

	const logger = createLogger(io.env.LOG_LEVEL ?? 'info', io.stdout);
	let collector: Collector;
	let running: RunningCollector;
	try {
		// The file's JSON as written: live configuration keeps its `env:` references when the console saves it.
		collector = createCollector((await readConfigJson(options.config)) as CollectorConfigInput, { logger, configFile: options.config, env: io.env });
		running = await listen(collector, { port, host });
	} catch (error) {
		io.stderr.write(isConfigError(error) ? `${error.message}\n` : `cannot start: ${(error as Error).message}\n`);
		return 1;
	}
	// Listening for signals before saying so: whoever reads the line may send one at once.
	const reloadOnHangUp = () => {
		logger.info({ signal: 'SIGHUP' }, 'SIGHUP: reloading the configuration file');
		// What the reload did (applied, refused and why, unchanged) is logged by it.
		collector.live.reload('signal').catch((error: unknown) => logger.error({ err: error }, 'the configuration reload failed'));
	};
	process.on('SIGHUP', reloadOnHangUp);
	// Every SIGTERM and SIGINT: the first starts the shutdown, a second one during it stops at once.
	let onStopSignal: (signal: NodeJS.Signals) => void = () => {};
	const handleStopSignal = (signal: NodeJS.Signals) => onStopSignal(signal);
	process.on('SIGTERM', handleStopSignal);
	process.on('SIGINT', handleStopSignal);
	const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
		onStopSignal = resolve;
	});
	announceListening(io.stdout, logger, running.url);
	const signal = await stopSignal;
	const secondSignal = new Promise<{ secondSignal: NodeJS.Signals }>((resolve) => {
		onStopSignal = (again) => resolve({ secondSignal: again });
	});
	// A person pressing Ctrl-C is not a load balancer to drain for.
	const drain = signal === 'SIGTERM';
	const { drainSeconds, shutdownGraceSeconds } = collector.config.server;
	logger.info(
		{ signal, drainSeconds: drain ? drainSeconds : 0, shutdownGraceSeconds },
		drain && drainSeconds > 0 ? 'shutting down: draining, then finishing requests in flight' : 'shutting down: finishing requests in flight',
	);
	const backstopMs = ((drain ? drainSeconds : 0) + shutdownGraceSeconds) * 1000 + shutdownBackstopMs;
	let backstop: NodeJS.Timeout | undefined;
	const outcome = await Promise.race([
		running.stop({ drain }),
		secondSignal,
		new Promise<'stuck'>((resolve) => {
			backstop = setTimeout(resolve, backstopMs, 'stuck');
		}),
	]).finally(() => clearTimeout(backstop));
	process.off('SIGHUP', reloadOnHangUp);
	process.off('SIGTERM', handleStopSignal);
	process.off('SIGINT', handleStopSignal);
	// The caller exits the process after the stuck and interrupted outcomes (see cli.ts): the shutdown still runs.
	if (outcome === 'stuck') {
		logger.error({ waitedMs: backstopMs }, 'the shutdown did not complete; exiting anyway');
		return 1;
	}
	if ('secondSignal' in outcome) {
		logger.warn({ signal: outcome.secondSignal }, 'second signal during the shutdown: closing every connection and exiting at once');
		running.server.closeAllConnections();
		return 1;
	}
	if (outcome.status === 'cut') {
		logger.warn({ requestsCut: outcome.requestsCut }, 'requests still in flight at the end of the grace period were cut');
		return 1;
	}
	logger.info('stopped');
	return 0;
}

/**
 * The line that says the collector is ready, containing `listening on http://HOST:PORT` (a contract), whatever
 * LOG_LEVEL says. JSON like every other line; plain text on a terminal, where a person reads it. A space follows
 * the address, so that scripts taking the address up to the next white space get it without the JSON's quote.
 */
function announceListening(stdout: NodeJS.WritableStream, logger: Logger, url: string): void {
	const message = `blueconic-bridge collector listening on ${url} (ready)`;
	if ((stdout as { isTTY?: boolean }).isTTY === true) stdout.write(`${message}\n`);
	else (logger.isLevelEnabled('info') ? logger : createLogger('info', stdout)).info({ url }, message);
}
