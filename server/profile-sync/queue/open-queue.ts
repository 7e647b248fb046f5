import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LogSink } from '../../blueconic/log-sink.js';
import type { RedisConnections } from '../../redis/connections.js';
import type { ProfileQueueJobs } from './enqueue.js';
import type { ProfileJobData, ProfileJobResult } from './job-data.js';
import { bullPrefix, profileSyncQueueName } from './keys.js';
import { PendingProfiles } from './pending-profiles.js';
import { throttledWarning } from './worker.js';

export interface OpenedQueue {
	/** `RedisConnections.queue()`: BullMQ's connection, also the pending profiles'. */
	readonly connection: Redis;
	readonly jobs: ProfileQueueJobs;
	readonly pending: PendingProfiles;
}

/** The BullMQ queue and the pending profiles on the process's queue connection (closing `jobs` leaves it open). */
export function openProfileQueue(redis: RedisConnections, logger: LogSink): OpenedQueue {
	const connection = redis.queue();
	const jobs: ProfileQueueJobs = new Queue<ProfileJobData, ProfileJobResult, string>(profileSyncQueueName, {
		connection,
		prefix: bullPrefix(redis.keyPrefix),
	});
	jobs.on('error', throttledWarning(logger, 'the profile-sync queue cannot reach Redis; it retries on its own'));
	return { connection, jobs, pending: new PendingProfiles(connection, redis.keyPrefix) };
}
