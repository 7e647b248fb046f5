import { isDeepStrictEqual } from 'node:util';
import type { Registry } from 'prom-client';
import type { LogSink } from '../../blueconic/log-sink.js';
import { silentLogSink } from '../../blueconic/log-sink.js';
import { type BlueConicClientOptions, createBlueConicClient } from '../../blueconic/profiles-client.js';
import type { BlueConicConfig, ProfileMappingConfig, ProfileSyncConfig } from '../../config/schema.js';
import type { RedisConnections } from '../../redis/connections.js';
import { mappingOrDefault } from '../mapping.js';
import { createProfileSyncMetrics, createProfileSyncQueueMetrics } from '../metrics.js';
import type { SyncUser } from '../sync-user.js';
import { type QueueJobCounts, readJobCounts } from './inspect.js';
import { createProfileEnqueuer, type ProfileQueueJobs, type QueuedUserResult } from './enqueue.js';
import { openProfileQueue } from './open-queue.js';
import type { PendingProfiles } from './pending-profiles.js';
import type { BatchSenderOptions } from './send-batch.js';
import { type ProfileSyncWorker, startProfileSyncWorker } from './worker.js';

export type { QueuedUserResult } from './enqueue.js';
export type { QueueJobCounts } from './inspect.js';
export type { ProfileJobData, ProfileJobResult } from './job-data.js';
export { isQueueUnavailableError, QueueUnavailableError } from './queue-unavailable-error.js';

export interface ProfileSyncQueueOptions {
	/** The process's Redis connections; the queue uses `queue()` and `keyPrefix` and never closes them. */
	readonly redis: RedisConnections;
	readonly blueconic: BlueConicConfig;
	/** Absent: only the email (into property `email`) is sent. */
	readonly profileMapping?: ProfileMappingConfig | undefined;
	readonly profileSync: ProfileSyncConfig;
	/** Whether this process also works the queue (`serve` with `profileSync.worker`, and `blueconic-bridge worker`). */
	readonly runWorker: boolean;
	/** The registry the queue's metrics (and the worker's profile counters) are registered on. */
	readonly registry: Registry;
	readonly logger?: LogSink;
	/** BlueConic client tuning for the worker, mostly for tests (a fetch); its retries are always off here. */
	readonly client?: Omit<BlueConicClientOptions, 'config' | 'events' | 'logger' | 'retry'>;
}


export interface ProfileSyncQueue {
	/** Queues users (see `createProfileEnqueuer`); throws `QueueUnavailableError` when Redis cannot take them. */
	enqueue(users: readonly SyncUser[]): Promise<QueuedUserResult[]>;
	/** True when Redis answers within a second: for readiness checks. */
	isReachable(): Promise<boolean>;
	jobCounts(): Promise<QueueJobCounts>;
	/** The BullMQ queue, for inspection commands. */
	readonly jobs: ProfileQueueJobs;
	readonly pending: PendingProfiles;
	/** This process's worker, when it runs one. */
	readonly worker: ProfileSyncWorker | undefined;
	/**
	 * Takes a live configuration change: the next enqueue and the next batch use this mapping and these credentials.
	 * The worker's BlueConic client (and its token) is rebuilt only when the credentials changed.
	 */
	reconfigure(settings: Pick<ProfileSyncQueueOptions, 'blueconic' | 'profileMapping'>): void;
	/** Stops the worker (it sends what it holds first), then the queue; the Redis connections stay open. */
	close(): Promise<void>;
}

const enqueueTimeoutMs = 5_000;
const reachableTimeoutMs = 1_000;

/**
 * The durable profile-sync queue on BullMQ (Redis): the webhook enqueues, a worker sends to BlueConic in batches.
 * See docs/queue.md for the guarantees and how they are kept.
 */
export function createProfileSyncQueue(options: ProfileSyncQueueOptions): ProfileSyncQueue {
	const { redis, profileSync } = options;
	const logger = options.logger ?? silentLogSink;
	const { connection, jobs, pending } = openProfileQueue(redis, logger);
	let profileMapping: ProfileMappingConfig = mappingOrDefault(options.profileMapping);
	const metrics = createProfileSyncMetrics(options.registry);

	async function jobCounts(): Promise<QueueJobCounts> {
		if (connection.status !== 'ready') throw new Error('Redis is not connected');
		return readJobCounts(jobs);
	}
	const queueMetrics = createProfileSyncQueueMetrics(options.registry, () => withTimeout(jobCounts(), reachableTimeoutMs));

	const enqueue = createProfileEnqueuer({
		jobs,
		connection,
		pending,
		profileMapping: () => profileMapping,
		rules: profileSync,
		metrics,
		queueMetrics,
		jobOptions: {
			attempts: profileSync.queue.retry.maxAttempts,
			// Any name BullMQ does not know calls the worker's own backoff strategy (see worker.ts).
			backoff: { type: 'profile-sync' },
			removeOnComplete: true,
			// Failed jobs are the dead letters: kept until `blueconic-bridge queue retry` or `purge`.
			removeOnFail: false,
		},
		timeoutMs: enqueueTimeoutMs,
	});

	const clientFor = (blueconic: BlueConicConfig) =>
		createBlueConicClient({
			...options.client,
			config: blueconic,
			// One attempt, no delay of its own: the queue retries (and then the error's retryAfterMs is exactly
			// BlueConic's Retry-After, 0 when it sent none).
			retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
			events: metrics.clientEvents,
			logger,
		});
	let credentials = options.blueconic;
	let sender: BatchSenderOptions | undefined;
	const senderFor = (): BatchSenderOptions => ({
		client: clientFor(credentials),
		pending,
		profileMapping,
		objectiveIds: profileSync.objectiveIds,
		// A PUT and the token request before it each end within timeoutMs.
		leaseMs: 2 * credentials.timeoutMs + 1_000,
		metrics,
	});

	const worker = options.runWorker
		? startProfileSyncWorker({
				connection,
				keyPrefix: redis.keyPrefix,
				jobs,
				sender: () => {
					sender ??= senderFor();
					return sender;
				},
				settings: profileSync.queue,
				queueMetrics,
				logger,
			})
		: undefined;

	let closing: Promise<void> | undefined;
	return {
		enqueue,
		jobCounts,
		jobs,
		pending,
		worker,
		reconfigure(settings) {
			profileMapping = mappingOrDefault(settings.profileMapping);
			const sameCredentials = isDeepStrictEqual(settings.blueconic, credentials);
			credentials = settings.blueconic;
			if (sender === undefined) return; // built from what is in force when the first batch is sent
			sender = sameCredentials ? { ...sender, profileMapping } : senderFor();
		},
		async isReachable() {
			if (connection.status !== 'ready') return false;
			try {
				return (await withTimeout(connection.ping(), reachableTimeoutMs)) === 'PONG';
			} catch {
				return false;
			}
		},
		close() {
			closing ??= (async () => {
				await worker?.close();
				await jobs.close();
			})();
			return closing;
		},
	};
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	return Promise.race([
		work,
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
		}),
	]).finally(() => clearTimeout(timer));
}
