import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { isBlueConicAuthError } from '../blueconic/errors/blueconic-auth-error.js';
import type { LogSink } from '../blueconic/log-sink.js';
import { maxEntriesPerRequest } from '../blueconic/profiles-client.js';
import { loadSyncConfigFile, type SyncConfig } from '../config/sync-config.js';
import { isConfigError } from '../errors/config-error.js';
import { isBackfillSetupError } from '../profile-sync/backfill/backfill-setup-error.js';
import { formatCount, ProgressReporter } from '../profile-sync/backfill/progress.js';
import { type BackfillSummary, runBackfill } from '../profile-sync/backfill/run-backfill.js';
import { createProfileSync } from '../profile-sync/index.js';

export const syncUsage =
	'blueconic-bridge sync --config <file.json> --input <users.ndjson> [--rejects <rejects.ndjson>] [--state <state.json>] [--restart] [--concurrency N] [--batch-size N]';

/** Where a run keeps its progress unless `--state` says otherwise: beside the input, so running again resumes. */
export function defaultStatePath(inputPath: string): string {
	return `${inputPath}.sync-state.json`;
}

/** Exit codes: scripts branch on them. */
export const syncExitCodes = Object.freeze({
	completed: 0,
	/** BlueConic stayed unavailable or refused a request; what was done is checkpointed. */
	failed: 1,
	/** Bad arguments, configuration, input or state file: nothing was sent. */
	usage: 2,
	/** BlueConic refused our client credentials. */
	credentialsRefused: 3,
	/** Stopped by Ctrl-C / SIGTERM / the caller's signal; run the same command again to resume. */
	interrupted: 130,
});

export interface SyncCommandIo {
	stdout: { write(text: string): unknown; isTTY?: boolean };
	stderr: { write(text: string): unknown; isTTY?: boolean };
	env: NodeJS.ProcessEnv;
}

export interface SyncCommandOptions {
	/** Interrupts the run like Ctrl-C. Without it, SIGINT and SIGTERM do that. */
	readonly signal?: AbortSignal;
	/** Plain progress lines (when stderr is not a terminal) this often. Default 10 s. */
	readonly progressIntervalMs?: number;
}

const defaultConcurrency = 4;
const maxConcurrency = 32;

/**
 * `blueconic-bridge sync`: backfills BlueConic from an NDJSON file of users (one per line, Zephr webhook or plain
 * form). Resumes by default: progress is saved beside the input (or in `--state`), and the same command run again
 * skips what BlueConic accepted; `--restart` starts over. Rejected lines, with reasons, go to `--rejects`. Resolves
 * to the exit code.
 */
export async function runSyncCommand(argv: string[], io: SyncCommandIo, options: SyncCommandOptions = {}): Promise<number> {
	const parsed = parseSyncArguments(argv);
	if (parsed.status === 'help') {
		io.stdout.write(`usage: ${syncUsage}\n\nBackfills BlueConic from an NDJSON file of users, one a line; see docs/profile-sync.md.\n`);
		return syncExitCodes.completed;
	}
	if (parsed.status === 'invalid') {
		io.stderr.write(`${parsed.message}\nusage: ${syncUsage}\n`);
		return syncExitCodes.usage;
	}
	const { args } = parsed;

	let config: SyncConfig;
	try {
		config = await loadSyncConfigFile(args.config, io.env);
	} catch (error) {
		if (!isConfigError(error)) throw error;
		io.stderr.write(`invalid configuration: ${error.problems.join('; ')}\n`);
		return syncExitCodes.usage;
	}

	const interruption = new AbortController();
	const onSignal = () => interruption.abort(new Error('interrupted'));
	if (options.signal) options.signal.addEventListener('abort', onSignal, { once: true });
	else {
		// Once only: a second Ctrl-C gets Node's default and ends the process at once.
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
	}

	const profileSync = createProfileSync({
		blueconic: config.blueconic,
		profileMapping: config.profileMapping,
		profileSync: config.profileSync,
		registry: new Registry(),
		logger: plainTextLogSink(io.stderr),
	});
	let summary: BackfillSummary;
	try {
		summary = await runBackfill({
			inputPath: args.input,
			rejectsPath: args.rejects,
			statePath: args.state,
			restart: args.restart,
			concurrency: args.concurrency,
			batchSize: args.batchSize,
			syncUsers: (users, signal) => profileSync.syncUsers(users, signal),
			progress: new ProgressReporter(io.stderr, options.progressIntervalMs ?? 10_000),
			signal: interruption.signal,
		});
	} catch (error) {
		if (!isBackfillSetupError(error)) throw error;
		io.stderr.write(`${error.message}\n`);
		return syncExitCodes.usage;
	} finally {
		options.signal?.removeEventListener('abort', onSignal);
		process.removeListener('SIGINT', onSignal);
		process.removeListener('SIGTERM', onSignal);
		await profileSync.close();
	}
	return reportSummary(summary, args, io);
}

interface SyncArguments {
	config: string;
	input: string;
	rejects: string | undefined;
	state: string;
	restart: boolean;
	concurrency: number;
	batchSize: number;
}

function parseSyncArguments(
	argv: string[],
): { status: 'valid'; args: SyncArguments } | { status: 'invalid'; message: string } | { status: 'help' } {
	let values;
	try {
		({ values } = parseArgs({
			args: argv,
			options: {
				config: { type: 'string' },
				input: { type: 'string' },
				rejects: { type: 'string' },
				state: { type: 'string' },
				restart: { type: 'boolean' },
				concurrency: { type: 'string' },
				'batch-size': { type: 'string' },
				help: { type: 'boolean', short: 'h' },
			},
			strict: true,
		}));
	} catch (error) {
		return { status: 'invalid', message: (error as Error).message };
	}
	if (values.help) return { status: 'help' };
	if (values.config === undefined) return { status: 'invalid', message: '--config is required' };
	if (values.input === undefined) return { status: 'invalid', message: '--input is required' };
	const concurrency = parseBoundedInteger(values.concurrency, defaultConcurrency, maxConcurrency);
	if (concurrency === undefined) return { status: 'invalid', message: `--concurrency must be a whole number from 1 to ${maxConcurrency}` };
	const batchSize = parseBoundedInteger(values['batch-size'], maxEntriesPerRequest, maxEntriesPerRequest);
	if (batchSize === undefined) return { status: 'invalid', message: `--batch-size must be a whole number from 1 to ${maxEntriesPerRequest}` };
	const input = resolve(values.input);
	return {
		status: 'valid',
		args: {
			config: values.config,
			input,
			rejects: values.rejects === undefined ? undefined : resolve(values.rejects),
			state: values.state === undefined ? defaultStatePath(input) : resolve(values.state),
			restart: values.restart === true,
			concurrency,
			batchSize,
		},
	};
}

function parseBoundedInteger(text: string | undefined, fallback: number, max: number): number | undefined {
	if (text === undefined) return fallback;
	const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
	return value >= 1 && value <= max ? value : undefined;
}

function reportSummary(summary: BackfillSummary, args: SyncArguments, io: SyncCommandIo): number {
	const { counts } = summary;
	const profilesPerSecond = summary.seconds > 0 ? Math.round(counts.accepted / summary.seconds) : 0;
	const resumed = summary.resumedFrom > 0 ? `, ${formatCount(summary.resumedFrom)} done by earlier runs` : '';
	const partly = counts.acceptedWithoutSomeAttributes;
	const acceptedStates = describeTally(counts.byState, partly > 0 ? [`${formatCount(partly)} of them without some attributes`] : []);
	const keepHint = !args.rejects && counts.rejected + partly > 0 ? ['keep them with --rejects FILE'] : [];
	// Each line read is counted once: accepted (some of them without some attributes), rejected or ignored.
	io.stdout.write(
		`${summary.status}: ${formatCount(summary.doneLines)} of ${formatCount(summary.totalLines)} lines done${resumed}; ` +
			`${formatCount(counts.accepted)} profiles accepted${acceptedStates}, ` +
			`${formatCount(counts.rejected)} rejected${describeTally(counts.byRejectReason, keepHint)}, ` +
			`${formatCount(counts.ignored)} ignored event${counts.ignored === 1 ? '' : 's'}; ` +
			`${summary.seconds.toFixed(1)} s, ${formatCount(profilesPerSecond)} profiles/s\n`,
	);
	// With --restart, "the same command" would start over once more.
	const rerun = args.restart ? 'run it again without --restart' : 'run the same command again';
	const resumeHint = `${rerun} to resume (progress is in ${args.state})`;
	switch (summary.status) {
		case 'completed':
			return syncExitCodes.completed;
		case 'interrupted':
			io.stderr.write(`interrupted; ${resumeHint}\n`);
			return syncExitCodes.interrupted;
		case 'failed': {
			const message = summary.error instanceof Error ? summary.error.message : String(summary.error);
			io.stderr.write(`sync failed: ${message}; ${resumeHint}\n`);
			return isBlueConicAuthError(summary.error) ? syncExitCodes.credentialsRefused : syncExitCodes.failed;
		}
	}
}

/** ` (CREATED 12, MODIFIED 3; notes)`, keys in alphabetical order, or nothing when there is neither a count nor a note. */
function describeTally(tally: Readonly<Record<string, number>>, notes: readonly string[] = []): string {
	const counts = Object.entries(tally)
		.sort(([a], [b]) => (a < b ? -1 : 1))
		.map(([key, count]) => `${key} ${formatCount(count)}`)
		.join(', ');
	const parts = [counts, ...notes].filter((part) => part !== '');
	return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** Warnings and errors as plain lines on stderr, between progress updates; routine detail is left out. */
function plainTextLogSink(stderr: SyncCommandIo['stderr']): LogSink {
	const write = (level: string) => (_fields: object, message: string) => {
		stderr.write(`${stderr.isTTY ? '\r\x1b[K' : ''}${level}: ${message}\n`);
	};
	return { debug() {}, info() {}, warn: write('warning'), error: write('error') };
}
