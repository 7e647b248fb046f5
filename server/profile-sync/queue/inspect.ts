import type { Job } from 'bullmq';
import type { ProfileQueueJobs } from './enqueue.js';
import type { ProfileJobData, ProfileJobResult } from './job-data.js';
import { emailDigest } from './keys.js';
import type { PendingProfiles } from './pending-profiles.js';

/** Job counts by state, as `blueconic-bridge queue status` and the depth gauge show them. */
export type QueueJobCounts = Readonly<Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'failed', number>>;

/** A failed job as `blueconic-bridge queue failed` lists it: who, why, how often it was tried, when it failed. */
export interface FailedProfileJob {
	readonly id: string;
	readonly email: string;
	readonly userIds: readonly string[];
	/** `CONSENT_MISMATCH: BlueConic answered ...`, `refused_request: ...`, or the last transient failure's message. */
	readonly reason: string;
	readonly attempts: number;
	readonly failedAt: string | undefined;
}

/** Which failed jobs a command acts on: all of them, or those with these ids. */
export type FailedJobSelection = { readonly all: true } | { readonly ids: readonly string[] };

/** How a retry or purge went: jobs acted on, and ids given that are not failed jobs (unknown, or not failed). */
export interface FailedJobsChange {
	readonly changed: number;
	readonly notFailed: readonly string[];
}

type ProfileJob = Job<ProfileJobData, ProfileJobResult>;

const pageSize = 500;

export async function readJobCounts(jobs: ProfileQueueJobs): Promise<QueueJobCounts> {
	const counts = await jobs.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
	return {
		waiting: counts.waiting ?? 0,
		active: counts.active ?? 0,
		delayed: counts.delayed ?? 0,
		prioritized: counts.prioritized ?? 0,
		failed: counts.failed ?? 0,
	};
}

/** The most recently failed jobs first, at most `limit`. */
export async function listFailedJobs(jobs: ProfileQueueJobs, limit: number): Promise<FailedProfileJob[]> {
	const failed = await jobs.getFailed(0, limit - 1);
	return failed.flatMap((job) => (job === undefined ? [] : [describeFailedJob(job)]));
}

function describeFailedJob(job: ProfileJob): FailedProfileJob {
	return {
		id: job.id ?? '',
		email: job.data.email,
		userIds: job.data.userIds,
		reason: job.failedReason ?? '',
		attempts: job.attemptsMade,
		failedAt: job.finishedOn === undefined ? undefined : new Date(job.finishedOn).toISOString(),
	};
}

/**
 * Sends failed jobs through the queue again, with their attempts counted afresh. A replayed job sends what is
 * pending for its email now, which holds its own update unless a later one has been delivered since (then there is
 * nothing left to send and the job completes as `covered`): a replay never puts older data over newer.
 */
export async function retryFailedJobs(jobs: ProfileQueueJobs, selection: FailedJobSelection): Promise<FailedJobsChange> {
	return forEachFailedJob(jobs, selection, async (page) => {
		for (const job of page) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
	});
}

/** Removes failed jobs, and what they left pending unless a newer update of the email (with its own job) is queued. */
export async function purgeFailedJobs(jobs: ProfileQueueJobs, pending: PendingProfiles, selection: FailedJobSelection): Promise<FailedJobsChange> {
	return forEachFailedJob(jobs, selection, async (page) => {
		await pending.drop(page.map((job) => ({ digest: emailDigest(job.data.email), seq: job.data.seq })));
		for (const job of page) await job.remove();
	});
}

/** Calls `act` on the selected failed jobs, a page at a time; each page leaves the failed set as it is handled. */
async function forEachFailedJob(
	jobs: ProfileQueueJobs,
	selection: FailedJobSelection,
	act: (page: ProfileJob[]) => Promise<void>,
): Promise<FailedJobsChange> {
	if ('ids' in selection) {
		const page: ProfileJob[] = [];
		const notFailed: string[] = [];
		for (const id of new Set(selection.ids)) {
			const job = await jobs.getJob(id);
			if (job !== undefined && (await job.isFailed())) page.push(job);
			else notFailed.push(id);
		}
		if (page.length > 0) await act(page);
		return { changed: page.length, notFailed };
	}
	const seen = new Set<string>();
	for (;;) {
		// Jobs failing again while we go (a live worker retried them) are left for the next command.
		const page = (await jobs.getFailed(0, pageSize - 1)).filter((job) => job !== undefined && !seen.has(job.id ?? ''));
		if (page.length === 0) return { changed: seen.size, notFailed: [] };
		for (const job of page) seen.add(job.id ?? '');
		await act(page);
	}
}
