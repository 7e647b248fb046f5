import { parseArgs } from 'node:util';
import { silentLogSink } from '../blueconic/log-sink.js';
import { loadQueueCommandConfig } from '../config/queue-command-config.js';
import { isConfigError } from '../errors/config-error.js';
import {
	type FailedJobSelection,
	listFailedJobs,
	purgeFailedJobs,
	readJobCounts,
	retryFailedJobs,
} from '../profile-sync/queue/inspect.js';
import { openProfileQueue, type OpenedQueue } from '../profile-sync/queue/open-queue.js';
import { closeWithin } from '../redis/close-within.js';
import { RedisConnections } from '../redis/connections.js';

export const queueUsage = [
	'blueconic-bridge queue status --config <file.json>                       (jobs by state)',
	'  blueconic-bridge queue failed --config <file.json> [--limit N]           (failed users, NDJSON, newest first)',
	'  blueconic-bridge queue retry --config <file.json> (--all | <job id>...)  (send failed users again)',
	'  blueconic-bridge queue purge --config <file.json> (--all | <job id>...)  (forget failed users)',
].join('\n');

export interface QueueCommandIo {
	stdout: { write(text: string): unknown };
	stderr: { write(text: string): unknown };
	env: NodeJS.ProcessEnv;
}

/** Exit codes: scripts branch on them. */
export const queueExitCodes = Object.freeze({
	done: 0,
	/** Redis could not be reached in time, or a job id given is not a failed job. */
	failed: 1,
	/** Bad arguments or configuration. */
	usage: 2,
});

const defaultFailedLimit = 100;
const maxFailedLimit = 100_000;
// An operator's command should say "cannot reach Redis" rather than hang while it is down.
const connectTimeoutMs = 5_000;
const commandTimeoutMs = 120_000;

type QueueAction =
	| { readonly name: 'status' }
	| { readonly name: 'failed'; readonly limit: number }
	| { readonly name: 'retry' | 'purge'; readonly selection: FailedJobSelection };

/** `blueconic-bridge queue status|failed|retry|purge`: the profile-sync queue's counts and its failed users. */
export async function runQueueCommand(argv: string[], io: QueueCommandIo): Promise<number> {
	const parsed = parseQueueArguments(argv);
	if (typeof parsed === 'string') {
		io.stderr.write(`${parsed}\nusage: ${queueUsage}\n`);
		return queueExitCodes.usage;
	}
	let config;
	try {
		config = await loadQueueCommandConfig(parsed.configPath, io.env);
	} catch (error) {
		if (!isConfigError(error)) throw error;
		io.stderr.write(`${error.message}\n`);
		return queueExitCodes.usage;
	}

	const redis = new RedisConnections({ url: config.store.url, keyPrefix: config.store.keyPrefix });
	const queue = openProfileQueue(redis, silentLogSink);
	let timer: NodeJS.Timeout | undefined;
	try {
		const timeout = new Promise<'timed out'>((resolve) => {
			timer = setTimeout(resolve, commandTimeoutMs, 'timed out');
		});
		const connected = await Promise.race([queue.connection.ping().then(() => 'connected' as const), delay(connectTimeoutMs)]);
		if (connected !== 'connected') {
			io.stderr.write(`cannot reach Redis at ${describeRedis(config.store.url)}\n`);
			return queueExitCodes.failed;
		}
		const result = await Promise.race([runAction(parsed.action, queue, io), timeout]);
		if (result === 'timed out') {
			io.stderr.write(`Redis stopped answering (after ${commandTimeoutMs / 1000} s)\n`);
			return queueExitCodes.failed;
		}
		return result;
	} finally {
		clearTimeout(timer);
		await closeWithin(redis, [queue.jobs.close()], queue.connection.status === 'ready' ? 2_000 : 0);
	}
}

async function runAction(action: QueueAction, queue: OpenedQueue, io: QueueCommandIo): Promise<number> {
	switch (action.name) {
		case 'status': {
			const counts = await readJobCounts(queue.jobs);
			for (const [state, count] of Object.entries(counts)) io.stdout.write(`${state}: ${count}\n`);
			return queueExitCodes.done;
		}
		case 'failed': {
			const failed = await listFailedJobs(queue.jobs, action.limit);
			for (const job of failed) io.stdout.write(`${JSON.stringify(job)}\n`);
			const total = await queue.jobs.getFailedCount();
			io.stderr.write(`${total} failed job${total === 1 ? '' : 's'}${total > failed.length ? ` (the newest ${failed.length} shown)` : ''}\n`);
			return queueExitCodes.done;
		}
		case 'retry':
		case 'purge': {
			const change =
				action.name === 'retry'
					? await retryFailedJobs(queue.jobs, action.selection)
					: await purgeFailedJobs(queue.jobs, queue.pending, action.selection);
			const verb = action.name === 'retry' ? 'retried' : 'purged';
			io.stdout.write(`${verb} ${change.changed} failed job${change.changed === 1 ? '' : 's'}\n`);
			for (const id of change.notFailed) io.stderr.write(`not a failed job: ${id}\n`);
			return change.notFailed.length > 0 ? queueExitCodes.failed : queueExitCodes.done;
		}
	}
}

function parseQueueArguments(argv: string[]): { configPath: string; action: QueueAction } | string {
	const [name, ...rest] = argv;
	if (name !== 'status' && name !== 'failed' && name !== 'retry' && name !== 'purge') {
		return name === undefined ? 'a queue command is required' : `unknown queue command "${name}"`;
	}
	let values;
	let positionals;
	try {
		({ values, positionals } = parseArgs({
			args: rest,
			options: { config: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' } },
			allowPositionals: name === 'retry' || name === 'purge',
			strict: true,
		}));
	} catch (error) {
		return (error as Error).message;
	}
	if (values.config === undefined) return '--config is required';
	if (name !== 'failed' && values.limit !== undefined) return `--limit is for "queue failed"`;
	if ((name === 'status' || name === 'failed') && values.all) return `--all is for "queue retry" and "queue purge"`;
	switch (name) {
		case 'status':
			return { configPath: values.config, action: { name } };
		case 'failed': {
			const limit = values.limit === undefined ? defaultFailedLimit : /^\d+$/.test(values.limit) ? Number(values.limit) : 0;
			if (limit < 1 || limit > maxFailedLimit) return `--limit must be a whole number from 1 to ${maxFailedLimit}`;
			return { configPath: values.config, action: { name, limit } };
		}
		case 'retry':
		case 'purge': {
			if (values.all && positionals.length > 0) return 'give either --all or job ids, not both';
			if (!values.all && positionals.length === 0) return `say which failed jobs to ${name}: --all, or their ids (from "queue failed")`;
			const selection: FailedJobSelection = values.all ? { all: true } : { ids: positionals };
			return { configPath: values.config, action: { name, selection } };
		}
	}
}

/** host:port of a Redis URL, never its password. */
function describeRedis(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.hostname}:${parsed.port || '6379'}`;
	} catch {
		return 'the configured URL';
	}
}

function delay(ms: number): Promise<'timed out'> {
	return new Promise((resolve) => setTimeout(resolve, ms, 'timed out').unref());
}
