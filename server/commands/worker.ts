import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { loadQueueCommandConfig } from '../config/queue-command-config.js';
import { isConfigError } from '../errors/config-error.js';
import { createLogger } from '../logger.js';
import { createProfileSyncQueue } from '../profile-sync/queue/index.js';
import { closeWithin } from '../redis/close-within.js';
import { RedisConnections } from '../redis/connections.js';

export const workerUsage = 'blueconic-bridge worker --config <file.json>   (the profile-sync queue worker; needs store (redis), blueconic)';

export interface WorkerCommandIo {
	stdout: { write(text: string): unknown };
	stderr: { write(text: string): unknown };
	env: NodeJS.ProcessEnv;
}

export interface WorkerCommandOptions {
	/** Stops the worker like SIGTERM. Without it, SIGTERM and SIGINT do that. */
	readonly signal?: AbortSignal;
}

/**
 * `blueconic-bridge worker`: works the profile-sync queue on its own, so that sending to BlueConic scales apart from
 * the collectors (run them with `profileSync.worker: false`). Runs until SIGTERM or SIGINT, then sends what it holds
 * (abandoning sends still in flight after 5 s: their users go back to the queue) and exits 0. Exit code 2: bad
 * arguments or configuration.
 */
export async function runWorkerCommand(argv: string[], io: WorkerCommandIo, options: WorkerCommandOptions = {}): Promise<number> {
	let configPath: string | undefined;
	try {
		({ values: { config: configPath } } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true }));
	} catch (error) {
		io.stderr.write(`${(error as Error).message}\nusage: ${workerUsage}\n`);
		return 2;
	}
	if (configPath === undefined) {
		io.stderr.write(`--config is required\nusage: ${workerUsage}\n`);
		return 2;
	}
	let config;
	try {
		config = await loadQueueCommandConfig(configPath, io.env);
	} catch (error) {
		if (!isConfigError(error)) throw error;
		io.stderr.write(`${error.message}\n`);
		return 2;
	}
	if (config.blueconic === undefined) {
		io.stderr.write('invalid configuration:\n  blueconic: is required to send profiles\n');
		return 2;
	}

	const stop = new Promise<string>((resolve) => {
		if (options.signal) {
			options.signal.addEventListener('abort', () => resolve('abort'), { once: true });
			return;
		}
		process.once('SIGTERM', () => resolve('SIGTERM'));
		process.once('SIGINT', () => resolve('SIGINT'));
	});
	const logger = createLogger(io.env.LOG_LEVEL ?? 'info');
	const redis = new RedisConnections({ url: config.store.url, keyPrefix: config.store.keyPrefix });
	const queue = createProfileSyncQueue({
		redis,
		blueconic: config.blueconic,
		profileMapping: config.profileMapping,
		profileSync: config.profileSync,
		runWorker: true,
		registry: new Registry(),
		logger,
	});
	// Redis may be down at start: the worker connects once it is back, and stopping works meanwhile.
	const started = await Promise.race([queue.worker?.waitUntilReady().then(() => 'ready'), stop]);
	if (started === 'ready') io.stdout.write('blueconic-bridge profile-sync worker running\n');
	const signal = started === 'ready' ? await stop : started;
	logger.info({ signal }, 'stopping the profile-sync worker: sending what it holds');
	// Bounded: with Redis down, BullMQ would wait for it to come back before letting go.
	await closeWithin(redis, [queue.close()], 15_000);
	logger.info('stopped');
	return 0;
}
