import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LogSink } from '../../blueconic/log-sink.js';
import { maxEntriesPerRequest } from '../../blueconic/profiles-client.js';
import type { ProfileSyncQueueConfig } from '../../config/schema.js';
import { type BackoffPolicy, retryDelayMs } from '../../utils/backoff.js';
import type { ProfileSyncQueueMetrics } from '../metrics.js';
import { EmailBatcher } from './email-batcher.js';
import type { ProfileQueueJobs } from './enqueue.js';
import type { ProfileJobData, ProfileJobResult } from './job-data.js';
import { bullPrefix, emailDigest, profileSyncQueueName } from './keys.js';
import { type BatchSenderOptions, type EmailOutcome, sendProfileBatch } from './send-batch.js';

export interface ProfileSyncWorkerOptions {
	/** BullMQ's connection (`RedisConnections.queue()`); the worker opens its blocking duplicate from it. */
	readonly connection: Redis;
	readonly keyPrefix: string;
	/** The queue, for pausing it as a whole when BlueConic asks us to slow down. */
	readonly jobs: ProfileQueueJobs;
	/** How batches are sent, read once per batch: the client and mapping change with live configuration. */
	readonly sender: () => BatchSenderOptions;
	readonly settings: ProfileSyncQueueConfig;
	readonly queueMetrics: ProfileSyncQueueMetrics;
	readonly logger: LogSink;
}

export interface ProfileSyncWorker {
	/** Resolves once the worker is connected and taking jobs. */
	waitUntilReady(): Promise<void>;
	/**
	 * Stops taking jobs and sends what it holds; sends still in flight after `graceMs` are abandoned (their jobs go
	 * back to the queue for the next worker). Resolves once every job it held is settled.
	 */
	close(graceMs?: number): Promise<void>;
}

/** A failed attempt of a job that BullMQ retries after the backoff, up to `retry.maxAttempts`. */
class TransientSyncError extends Error {
	override readonly name = 'TransientSyncError';
}

// A job deferred because another batch holds its email comes back this soon, at most: that batch is usually done.
const maxDeferMs = 1_000;
const defaultCloseGraceMs = 5_000;

/**
 * The queue's worker: BullMQ hands it jobs (one per queued email) up to 1000 × `batchesInFlight` at a time; the
 * batcher groups them into PUTs of up to 1000 entries; each job then ends as its email's send did. The queue owns
 * every retry (the BlueConic client runs with its own retries off):
 *
 * - 5xx, network errors, timeouts, refused credentials, unreadable answers: the job's attempt fails and BullMQ
 *   retries it after a full-jitter exponential backoff (`retry`), then keeps it as failed;
 * - 429, or any answer with `Retry-After`: the whole queue pauses (BullMQ's rate limit, shared by every worker) for
 *   at least that long, and the batch's jobs go back to waiting without using an attempt;
 * - a profile BlueConic answered but did not store (CONSENT_MISMATCH, a 400 for that entry, ...): failed at once,
 *   with the reason, for `blueconic-bridge queue failed` / `retry`.
 */
export function startProfileSyncWorker(options: ProfileSyncWorkerOptions): ProfileSyncWorker {
	const { settings, queueMetrics, logger } = options;
	const retryPolicy: BackoffPolicy = {
		maxAttempts: settings.retry.maxAttempts,
		baseDelayMs: settings.retry.baseDelayMs,
		maxDelayMs: settings.retry.maxDelayMs,
		maxRetryAfterMs: Number.MAX_SAFE_INTEGER,
	};
	const abandon = new AbortController();
	let pausesInARow = 0;

	const batcher = new EmailBatcher({
		maxEmails: maxEntriesPerRequest,
		lingerMs: settings.batchLingerMs,
		maxInFlight: settings.batchesInFlight,
		send: async (digests) => {
			const outcomes = await sendProfileBatch(digests, options.sender(), abandon.signal);
			await reactToBatch(digests.length, outcomes);
			return outcomes;
		},
	});

	/** One log line per batch, not per user; a pause of the whole queue when BlueConic asked for one. */
	async function reactToBatch(emails: number, outcomes: Map<string, EmailOutcome>): Promise<void> {
		const counts: Record<string, number> = {};
		let pause: Extract<EmailOutcome, { kind: 'pause' }> | undefined;
		let failure: string | undefined;
		for (const outcome of outcomes.values()) {
			counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
			if (outcome.kind === 'pause') pause = outcome;
			if (outcome.kind === 'retry') failure = outcome.message;
		}
		if (pause) {
			pausesInARow++;
			const pauseMs = Math.max(pause.retryAfterMs, retryPolicy.baseDelayMs, retryDelayMs(pausesInARow, retryPolicy));
			logger.warn({ emails, pauseMs }, `${pause.message}; pausing the profile-sync queue`);
			// Should Redis be down as well, the jobs stay with this worker until it returns: nothing is lost.
			await options.jobs.rateLimit(pauseMs).catch(() => {});
			return;
		}
		if ((counts.delivered ?? 0) > 0) pausesInARow = 0;
		if (failure !== undefined) logger.warn({ emails, ...counts }, `${failure}; the batch's users will be retried`);
		else logger.debug({ emails, ...counts }, 'profile-sync batch sent');
	}

	async function processJob(job: Job<ProfileJobData, ProfileJobResult>, token: string | undefined): Promise<ProfileJobResult> {
		const outcome = await batcher.submit(emailDigest(job.data.email));
		switch (outcome.kind) {
			case 'delivered':
				queueMetrics.outcomes.inc({ outcome: 'delivered' });
				return outcome.profileId === undefined
					? { outcome: 'delivered', state: outcome.state }
					: { outcome: 'delivered', state: outcome.state, profileId: outcome.profileId };
			case 'covered':
				queueMetrics.outcomes.inc({ outcome: 'covered' });
				return { outcome: 'covered' };
			case 'rejected':
				queueMetrics.outcomes.inc({ outcome: 'rejected' });
				throw new UnrecoverableError(`${outcome.reason}: ${outcome.message}`);
			case 'busy':
				queueMetrics.outcomes.inc({ outcome: 'deferred' });
				await job.moveToDelayed(Date.now() + Math.min(outcome.retryInMs, maxDeferMs), token);
				throw new DelayedError();
			case 'pause':
				queueMetrics.outcomes.inc({ outcome: 'paused' });
				throw Worker.RateLimitError();
			case 'retry': {
				const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
				queueMetrics.outcomes.inc({ outcome: lastAttempt ? 'failed' : 'retried' });
				throw new TransientSyncError(outcome.message);
			}
		}
	}

	const stalledAfterMs = settings.stalledAfterSeconds * 1000;
	const worker = new Worker<ProfileJobData, ProfileJobResult>(profileSyncQueueName, processJob, {
		connection: options.connection,
		prefix: bullPrefix(options.keyPrefix),
		concurrency: maxEntriesPerRequest * settings.batchesInFlight,
		lockDuration: stalledAfterMs,
		stalledInterval: stalledAfterMs,
		// Re-running a job is always safe (UPSERT by email), so a worker killed more than once does not fail its users.
		maxStalledCount: 10,
		// BullMQ applies a rate limit set with `rateLimit` only to workers that have a limiter; this one never binds.
		limiter: { max: Number.MAX_SAFE_INTEGER, duration: 1_000 },
		settings: {
			backoffStrategy: (attemptsMade: number) => Math.max(retryPolicy.baseDelayMs, retryDelayMs(attemptsMade, retryPolicy)),
		},
	});
	worker.on('error', throttledWarning(logger, 'the profile-sync worker cannot reach Redis; it retries on its own'));
	let closing: Promise<void> | undefined;

	return {
		waitUntilReady: () => worker.waitUntilReady(),
		close(graceMs = defaultCloseGraceMs) {
			closing ??= (async () => {
				const closed = worker.close();
				batcher.drain();
				const abandonTimer = setTimeout(() => abandon.abort(new Error('the worker is stopping')), graceMs);
				try {
					await closed;
				} finally {
					clearTimeout(abandonTimer);
				}
			})();
			return closing;
		},
	};
}

/** A warning the first time, then at most once a minute: a Redis outage makes BullMQ report every retry. */
export function throttledWarning(logger: LogSink, message: string): (error: Error) => void {
	let lastAt = Number.NEGATIVE_INFINITY;
	return (error) => {
		const now = Date.now();
		if (now - lastAt < 60_000) return;
		lastAt = now;
		logger.warn({ error: error.message }, message);
	};
}
