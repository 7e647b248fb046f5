import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProfileMappingConfig } from '../../config/schema.js';
import { type EmailGroup, groupUsersByEmail } from '../email-groups.js';
import type { ProfileSyncMetrics, ProfileSyncQueueMetrics } from '../metrics.js';
import type { AttributeIssue, SyncUser } from '../sync-user.js';
import type { ProfileSyncRules, UserSyncResult } from '../sync-users.js';
import type { ProfileJobData, ProfileJobResult } from './job-data.js';
import { emailDigest, profileJobName } from './keys.js';
import type { PendingProfiles, PendingUpdate } from './pending-profiles.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';

/** What the webhook can say about one user once the queue has it (or has refused it before queueing). */
export type QueuedUserResult =
	| Exclude<UserSyncResult, { status: 'sent' }>
	| {
			readonly status: 'queued';
			readonly email: string;
			readonly userId: string | undefined;
			/** Attributes left out because their values did not fit their BlueConic type (known before sending). */
			readonly attributeIssues: readonly AttributeIssue[];
	  };

export type ProfileQueueJobs = Queue<ProfileJobData, ProfileJobResult, string>;

export interface ProfileEnqueuerOptions {
	readonly jobs: ProfileQueueJobs;
	/** The connection `jobs` uses: enqueueing is refused at once while it is not connected. */
	readonly connection: Redis;
	readonly pending: PendingProfiles;
	/** The mapping in force, read once per enqueue (it changes with live configuration). */
	readonly profileMapping: () => ProfileMappingConfig;
	readonly rules: ProfileSyncRules;
	readonly metrics: ProfileSyncMetrics;
	readonly queueMetrics: ProfileSyncQueueMetrics;
	/** Attempts, backoff and retention of every job. */
	readonly jobOptions: JobsOptions;
	/** How long enqueueing may take before the sender is told to retry (503). */
	readonly timeoutMs: number;
}

// While Redis reconnects, waiting longer than this only holds the sender's request: it retries anyway.
const readyWaitMs = 1_000;

/**
 * Maps and consent-gates users exactly as a direct sync does (same rejections, same merge of records that share an
 * email, the last record deciding consent), then hands each email's update to the queue: merged into the email's
 * pending profile and announced by a job. Resolves once Redis has both, so a 202 is only answered for users that are
 * durably queued; throws `QueueUnavailableError` when Redis cannot take them in time.
 */
export function createProfileEnqueuer(options: ProfileEnqueuerOptions): (users: readonly SyncUser[]) => Promise<QueuedUserResult[]> {
	const { rules, metrics } = options;
	// One wait for the connection, shared by every request that arrives while Redis reconnects.
	let connecting: Promise<void> | undefined;
	const connected = (): Promise<void> => {
		if (options.connection.status === 'ready') return Promise.resolve();
		connecting ??= waitUntilConnected(options.connection).finally(() => {
			connecting = undefined;
		});
		return connecting;
	};

	return async (users) => {
		const { groups, rejected, attributeIssues } = groupUsersByEmail(users, options.profileMapping(), rules.consentAttribute, metrics);
		const results = users.map((_, index): QueuedUserResult | undefined => rejected.get(index));
		if (groups.length > 0) await withinTimeout(enqueueGroups(groups, users), options.timeoutMs);

		for (const group of groups) {
			for (const index of group.userIndexes) {
				const userId = users[index]?.userId;
				if (group.consented) {
					results[index] = { status: 'queued', email: group.email, userId, attributeIssues: attributeIssues.get(index) ?? [] };
				} else {
					results[index] = { status: 'skipped', email: group.email, userId, reason: 'consent' };
					metrics.rejected.inc({ reason: 'consent' });
				}
			}
		}
		return results.map((result, index) => {
			if (result === undefined) throw new Error(`user ${index} has no queue result`); // every branch above sets one
			return result;
		});
	};

	async function enqueueGroups(groups: readonly EmailGroup[], users: readonly SyncUser[]): Promise<void> {
		await connected();
		// A withdrawal cancels what an earlier update of the email left pending: the last word on consent wins.
		const updates: PendingUpdate[] = groups.map((group) =>
			group.consented
				? { kind: 'merge', digest: emailDigest(group.email), email: group.email, properties: [...group.properties.values()] }
				: { kind: 'cancel', digest: emailDigest(group.email) },
		);
		// The pending data first, then the jobs: a job never finds its data missing. Should adding the jobs fail, the
		// sender retries the request and its data is merged again.
		const firstSeq = await options.pending.merge(updates);
		const jobs = groups.flatMap((group, index) => {
			if (!group.consented) return [];
			const userIds = [...new Set(group.userIndexes.flatMap((userIndex) => users[userIndex]?.userId ?? []))];
			return [{ name: profileJobName, data: { email: group.email, seq: firstSeq + index, userIds }, opts: options.jobOptions }];
		});
		if (jobs.length > 0) await options.jobs.addBulk(jobs);
		options.queueMetrics.outcomes.inc({ outcome: 'enqueued' }, jobs.length);
	}
}

/** Resolves once `connection` is connected; refuses after a short wait, without queueing a command. */
function waitUntilConnected(connection: Redis): Promise<void> {
	// `end`: closed for good (shutting down); any other status is on its way back to `ready`.
	if (connection.status === 'end') {
		return Promise.reject(new QueueUnavailableError('the queue is closed'));
	}
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			connection.off('ready', onReady);
			reject(new QueueUnavailableError('Redis, which holds the profile-sync queue, is not reachable'));
		}, readyWaitMs);
		const onReady = () => {
			clearTimeout(timer);
			resolve();
		};
		connection.once('ready', onReady);
	});
}

async function withinTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new QueueUnavailableError(`Redis did not take the users within ${timeoutMs} ms`)), timeoutMs);
	});
	try {
		return await Promise.race([work, timeout]);
	} catch (error) {
		if (error instanceof QueueUnavailableError) throw error;
		// A Redis error (connection lost mid-request, out of memory): the sender should retry, as for a timeout.
		throw new QueueUnavailableError(`Redis refused the users: ${(error as Error).message}`);
	} finally {
		clearTimeout(timer);
		work.catch(() => {}); // answered already; a late failure has nobody to tell
	}
}
