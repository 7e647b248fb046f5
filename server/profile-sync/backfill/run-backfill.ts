import { access, constants } from 'node:fs/promises';
import type { SyncUser } from '../sync-user.js';
import type { UserSyncResult } from '../sync-users.js';
import { BackfillSetupError } from './backfill-setup-error.js';
import { addCounts, type BackfillCounts, emptyCounts, readBatch, settleBatch } from './batch-outcome.js';
import { fingerprintInput, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { countLines, type LineBatch, readLineBatches } from './input-lines.js';
import { LineRanges } from './line-ranges.js';
import type { ProgressReporter } from './progress.js';
import { RejectsFile } from './rejects-file.js';

export interface BackfillOptions {
	readonly inputPath: string;
	readonly rejectsPath?: string | undefined;
	/** Without a state file nothing is checkpointed, and an interrupted run starts over. */
	readonly statePath?: string | undefined;
	/** Ignore what the state file says was done: send every line again, and start the state and rejects over. */
	readonly restart?: boolean | undefined;
	/** Batches in flight at once. */
	readonly concurrency: number;
	/** Lines per batch (one BlueConic request each, at most 1000 entries). */
	readonly batchSize: number;
	readonly syncUsers: (users: readonly SyncUser[], signal: AbortSignal) => Promise<UserSyncResult[]>;
	readonly progress: ProgressReporter;
	/** Aborting stops reading, abandons requests in flight (they are re-sent on resume) and ends `interrupted`. */
	readonly signal?: AbortSignal | undefined;
}

export interface BackfillSummary {
	readonly status: 'completed' | 'interrupted' | 'failed';
	/** Why the run failed: a BlueConic error (auth, unavailable after retries, refused request) or a disk error. */
	readonly error?: unknown;
	readonly counts: BackfillCounts;
	readonly totalLines: number;
	/** Lines done by this run and earlier ones. */
	readonly doneLines: number;
	/** Lines done before this run started (skipped). */
	readonly resumedFrom: number;
	readonly seconds: number;
}

/**
 * Pushes an NDJSON file of users to BlueConic in batches, several in flight, resumable. After each batch BlueConic
 * has answered for, its rejects are flushed and then its line range is checkpointed; batches finish in any order,
 * and the checkpoint holds exactly the ranges finished. A resumed run skips those lines, so nothing BlueConic
 * accepted is sent again; batches that were in flight at the interruption are re-sent, which is safe because every
 * entry is an UPSERT keyed by email.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillSummary> {
	const startedAt = Date.now();
	if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new TypeError('concurrency must be a positive integer');
	if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new TypeError('batchSize must be a positive integer');
	await access(options.inputPath, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
		throw new BackfillSetupError(`cannot read the input ${options.inputPath} (${error.code ?? error.message})`);
	});
	const fingerprint = await fingerprintInput(options.inputPath);
	const done = options.restart ? new LineRanges() : await loadDoneLines(options.statePath, fingerprint);
	const resumedFrom = done.size;
	const totalLines = await countLines(options.inputPath);
	if (options.statePath !== undefined) await claimStateFile(options.statePath, fingerprint, done);
	const rejects = options.rejectsPath === undefined ? undefined : await RejectsFile.open(options.rejectsPath, resumedFrom > 0 ? 'resume' : 'fresh');
	options.progress.begin({ statePath: options.statePath, resumedFrom, totalLines });

	const counts = emptyCounts();
	const stopOnFailure = new AbortController();
	const signal = options.signal ? AbortSignal.any([options.signal, stopOnFailure.signal]) : stopOnFailure.signal;
	let failure: { error: unknown } | undefined;
	// Checkpoint writes are serialised: each one must contain every range finished before it, and two renames of
	// one temporary file must not interleave.
	let commitChain: Promise<void> = Promise.resolve();

	const commit = (batch: LineBatch, settled: ReturnType<typeof settleBatch>): Promise<void> => {
		const committed = commitChain.then(async () => {
			await rejects?.append(settled.rejects);
			done.add(batch.firstLine, batch.endLine);
			if (options.statePath !== undefined) await writeCheckpoint(options.statePath, fingerprint, done);
			addCounts(counts, settled.counts);
			options.progress.update({ doneLines: done.size, totalLines, doneThisRun: done.size - resumedFrom });
		});
		commitChain = committed.catch(() => {});
		return committed;
	};

	const sendBatch = async (batch: LineBatch): Promise<void> => {
		try {
			const read = readBatch(batch);
			const results = read.users.length > 0 ? await options.syncUsers(read.users, signal) : [];
			await commit(batch, settleBatch(read, results));
		} catch (error) {
			if (signal.aborted) return; // interrupted or failed elsewhere: abandoned, re-sent on resume
			failure = { error };
			stopOnFailure.abort(error);
		}
	};

	const inFlight = new Set<Promise<void>>();
	try {
		for await (const batch of readLineBatches(options.inputPath, options.batchSize, done)) {
			while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
			if (signal.aborted) break;
			const sending = sendBatch(batch).finally(() => inFlight.delete(sending));
			inFlight.add(sending);
		}
	} finally {
		await Promise.all(inFlight);
		await commitChain;
		await rejects?.close();
		options.progress.finish();
	}

	const seconds = (Date.now() - startedAt) / 1000;
	// The reading stops early only on an abort: a failure (which sets `failure`) or the caller's signal.
	const status = failure !== undefined ? 'failed' : options.signal?.aborted ? 'interrupted' : 'completed';
	return {
		status,
		...(failure === undefined ? {} : { error: failure.error }),
		counts,
		totalLines,
		doneLines: done.size,
		resumedFrom,
		seconds,
	};
}

async function loadDoneLines(statePath: string | undefined, fingerprint: string): Promise<LineRanges> {
	if (statePath === undefined) return new LineRanges();
	const checkpoint = await readCheckpoint(statePath, fingerprint);
	switch (checkpoint.status) {
		case 'missing':
			return new LineRanges();
		case 'found':
			return checkpoint.doneLines;
		case 'other_input':
			throw new BackfillSetupError(
				`the state file ${statePath} belongs to another input file; use --restart to start over, or another --state`,
			);
		case 'unreadable':
			throw new BackfillSetupError(`cannot read the state file ${statePath} (${checkpoint.message})`);
	}
}

/**
 * Writes the state file once before anything is sent: a directory we cannot write to is a setup error now, not a
 * failure after the first batch. On a restart this also forgets what earlier runs did, right away.
 */
async function claimStateFile(statePath: string, fingerprint: string, done: LineRanges): Promise<void> {
	try {
		await writeCheckpoint(statePath, fingerprint, done);
	} catch (error) {
		const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
		throw new BackfillSetupError(`cannot write the state file ${statePath} (${reason}); --state puts it elsewhere`);
	}
}
