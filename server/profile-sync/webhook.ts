import type { LogSink } from '../blueconic/log-sink.js';
import { acceptedProfileStates } from '../blueconic/profile-entry.js';
import { HttpError } from '../errors/http-error.js';
import { type Answer, httpErrorAnswer } from '../http/answer.js';
import { httpErrorForBlueConicFailure } from './blueconic-failure-answer.js';
import { cappedSample } from '../utils/cap-text.js';
import type { ProfileSyncMetrics } from './metrics.js';
import type { QueuedUserResult } from './queue/enqueue.js';
import { httpErrorForQueueFailure } from './queue/queue-failure-answer.js';
import type { SyncUser } from './sync-user.js';
import type { UserSyncResult } from './sync-users.js';
import { readUserRecord, type UserRecord } from './user-input.js';
import { resultEntryForIgnoredEvent, resultEntryForUser, type WebhookResultEntry } from './webhook-answer.js';

export interface WebhookDependencies {
	readonly syncUsers: (users: readonly SyncUser[]) => Promise<UserSyncResult[]>;
	/** With Redis: users are queued instead of sent, and the answer is 202 once they are (durably). */
	readonly enqueueUsers?: ((users: readonly SyncUser[]) => Promise<QueuedUserResult[]>) | undefined;
	readonly metrics: ProfileSyncMetrics;
	readonly logger: LogSink;
	/** Users one request may carry; a bigger batch is refused with 413 rather than held in memory. */
	readonly maxUsersPerRequest: number;
	/** Floor of the `Retry-After` we send when BlueConic is failing, so senders do not retry in a tight loop. */
	readonly minRetryAfterMs: number;
}

/**
 * `POST /plugins/blueconic/profile-sync`: one user (Zephr webhook or plain form) or a JSON array of them. Answers
 * 200 with one result per record only after BlueConic answered for every user sent; 400 when any record is
 * malformed (nothing is sent then); 503 with `Retry-After` when BlueConic stays unavailable; 502 when it refuses
 * our credentials or request. With a queue, 202 once the users are queued (503 while Redis cannot take them).
 */
export async function handleProfileSyncWebhook(body: unknown, deps: WebhookDependencies): Promise<Answer> {
	const isBatch = Array.isArray(body);
	const values: unknown[] = isBatch ? body : [body];
	if (values.length > deps.maxUsersPerRequest) {
		return httpErrorAnswer(new HttpError(413, 'too_many_users', `a request may carry at most ${deps.maxUsersPerRequest} users`));
	}
	const records: UserRecord[] = [];
	for (const [index, value] of values.entries()) {
		const record = readUserRecord(value, isBatch ? [index] : []);
		if (record.status === 'malformed') {
			deps.metrics.rejected.inc({ reason: 'malformed' });
			return httpErrorAnswer(new HttpError(400, 'invalid_profile_sync_body', record.message));
		}
		records.push(record);
	}

	const users = records.flatMap((record) => (record.status === 'user' ? [record.user] : []));
	let userResults: (UserSyncResult | QueuedUserResult)[];
	try {
		userResults = users.length === 0 ? [] : deps.enqueueUsers ? await deps.enqueueUsers(users) : await deps.syncUsers(users);
	} catch (error) {
		const httpError = httpErrorForBlueConicFailure(error, deps.minRetryAfterMs) ?? httpErrorForQueueFailure(error);
		if (httpError === undefined) throw error;
		deps.logger.warn({ users: users.length, code: httpError.code, status: httpError.status }, httpError.message);
		return httpErrorAnswer(httpError);
	}

	// One user alone without a usable email is the sender's mistake: say so with a 400 instead of a 200 it may ignore.
	const [onlyResult] = userResults;
	if (!isBatch && onlyResult?.status === 'rejected') {
		return httpErrorAnswer(new HttpError(400, onlyResult.reason, onlyResult.message));
	}
	// Likewise one user BlueConic answered but did not take (CONSENT_MISMATCH, NOTFOUND, ...): a 2xx would tell the
	// sender the profile arrived. A batch reports each user's state in its 200 instead.
	if (!isBatch && onlyResult?.status === 'sent' && !acceptedProfileStates.has(onlyResult.state)) {
		return httpErrorAnswer(
			new HttpError(422, 'profile_not_accepted', `BlueConic answered ${onlyResult.state} for this profile: it was not stored`),
		);
	}

	const results: WebhookResultEntry[] = [];
	const ignoredEventTypes: string[] = [];
	let nextUserResult = 0;
	for (const record of records) {
		if (record.status === 'ignored') {
			ignoredEventTypes.push(record.eventType);
			results.push(resultEntryForIgnoredEvent(record.eventType, record.userId));
		} else if (record.status === 'user') {
			const result = userResults[nextUserResult++];
			if (result !== undefined) results.push(resultEntryForUser(result));
		}
	}
	deps.metrics.eventsIgnored.inc(ignoredEventTypes.length);
	// One line per request, however many records it carries: a batch of 9,000 ignored events is one line, not 9,000.
	deps.logger.info(summarise(userResults, ignoredEventTypes), 'profile sync webhook handled');
	return { status: userResults.some((result) => result.status === 'queued') ? 202 : 200, body: { results } };
}

// Enough to tell which events a sender posts that we ignore, bounded whatever it posts.
const maxLoggedEventTypes = 5;

function summarise(results: readonly (UserSyncResult | QueuedUserResult)[], ignoredEventTypes: readonly string[]) {
	// Sent, rejected and skipped are always said (zeros included); `queued` only where a queue took users.
	const counts: Record<string, number> = { sent: 0, rejected: 0, skipped: 0 };
	for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
	const ignored = ignoredEventTypes.length;
	return { ...counts, ignored, ...(ignored > 0 ? { ignoredEventTypes: cappedSample(ignoredEventTypes, maxLoggedEventTypes) } : {}) };
}
