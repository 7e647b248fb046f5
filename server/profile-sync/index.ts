import { isDeepStrictEqual } from 'node:util';
import type { Registry } from 'prom-client';
import type { LogSink } from '../blueconic/log-sink.js';
import { silentLogSink } from '../blueconic/log-sink.js';
import { type BlueConicClientOptions, createBlueConicClient } from '../blueconic/profiles-client.js';
import type { ProfileMappingConfig, ProfileSyncConfig } from '../config/schema.js';
import { HttpError } from '../errors/http-error.js';
import { type Answer, httpErrorAnswer } from '../http/answer.js';
import { retryAfterWindowSeconds } from '../utils/backoff.js';
import { mappingOrDefault } from './mapping.js';
import { createProfileSyncMetrics } from './metrics.js';
import type { ProfileSyncQueue } from './queue/index.js';
import { type ProfileSyncFailure, RecentFailures } from './recent-failures.js';
import type { SyncUser } from './sync-user.js';
import { type ProfileSyncRules, type UserSyncResult, syncUsers } from './sync-users.js';
import { handleProfileSyncWebhook } from './webhook.js';

export type { ProfileSyncRules, UserSyncResult } from './sync-users.js';
export type { SyncUser } from './sync-user.js';


export interface ProfileSyncOptions {
	/** The configured `blueconic` section; its `retry` applies unless `client.retry` is given. */
	readonly blueconic: BlueConicClientOptions['config'];
	/** Absent: only the email (into property `email`) is sent. */
	readonly profileMapping?: ProfileMappingConfig | undefined;
	readonly profileSync?: (ProfileSyncRules & Partial<ProfileSyncConfig>) | undefined;
	/** The registry `/metrics` serves; profile sync's counters are registered on it. */
	readonly registry: Registry;
	readonly logger?: LogSink;
	/** Client tuning, mostly for tests: retry timing, token refresh margin, a fetch or clock to use. */
	readonly client?: Omit<BlueConicClientOptions, 'config' | 'events' | 'logger' | 'signal'>;
	/** Users one webhook request may carry. Default `profileSync.maxUsersPerRequest`, else 10,000. */
	readonly maxUsersPerRequest?: number;
	/** Floor of the `Retry-After` sent while BlueConic is failing. Default `profileSync.minRetryAfterSeconds`, else 30 s. */
	readonly minRetryAfterMs?: number;
	/** With Redis: the webhook queues users here (202) instead of sending them itself. */
	readonly queue?: ProfileSyncQueue | undefined;
}

export interface ProfileSync {
	/** The `POST /plugins/blueconic/profile-sync` handler, given the parsed JSON body (auth is the router's job). */
	handleWebhook(body: unknown): Promise<Answer>;
	/**
	 * Takes a live configuration change: the next webhook (and sync) uses these credentials and mapping. The BlueConic
	 * client, and its token, is rebuilt only when the credentials changed; syncs in flight finish on what they had.
	 */
	reconfigure(settings: Pick<ProfileSyncOptions, 'blueconic' | 'profileMapping'>): void;
	/** Sends users to BlueConic; throws the BlueConic client's errors when it did not answer for all of them. */
	syncUsers(users: readonly SyncUser[], signal?: AbortSignal): Promise<UserSyncResult[]>;
	/**
	 * Stops taking new work and aborts every BlueConic request and retry wait in flight: their syncs reject, and
	 * their webhooks answer, with 503 `shutting_down` and `Retry-After`. For a shutdown's deadline; then `close()`.
	 */
	abort(): void;
	/** Stops taking new work (503) and resolves once every sync in flight has been answered. */
	close(): Promise<void>;
	/** The last profile syncs that failed, newest first, with their reasons (for the admin console's status). */
	recentFailures(): readonly ProfileSyncFailure[];
}

export function createProfileSync(options: ProfileSyncOptions): ProfileSync {
	const maxUsersPerRequest = options.maxUsersPerRequest ?? options.profileSync?.maxUsersPerRequest ?? 10_000;
	if (!Number.isInteger(maxUsersPerRequest) || maxUsersPerRequest < 1) {
		throw new TypeError('maxUsersPerRequest must be a positive integer');
	}
	const minRetryAfterMs = options.minRetryAfterMs ?? (options.profileSync?.minRetryAfterSeconds ?? 30) * 1000;
	if (!(minRetryAfterMs >= 0 && minRetryAfterMs <= retryAfterWindowSeconds.max * 1000)) {
		throw new TypeError(`minRetryAfterMs must be a number from 0 to ${retryAfterWindowSeconds.max * 1000}`);
	}
	const profileSyncRules: ProfileSyncRules = options.profileSync ?? { objectiveIds: [] };
	let profileMapping = mappingOrDefault(options.profileMapping);
	const logger = options.logger ?? silentLogSink;
	const metrics = createProfileSyncMetrics(options.registry);
	// Aborted by `abort()`, with the 503 every sync still waiting on BlueConic then rejects with.
	const lifetime = new AbortController();
	const clientFor = (blueconic: ProfileSyncOptions['blueconic']) =>
		createBlueConicClient({ ...options.client, config: blueconic, events: metrics.clientEvents, logger, signal: lifetime.signal });
	let credentials = options.blueconic;
	let client = clientFor(credentials);
	const inFlight = new Set<Promise<unknown>>();
	const failures = new RecentFailures();
	let state: 'open' | 'closing' = 'open';

	function track<T>(work: Promise<T>): Promise<T> {
		inFlight.add(work);
		const forget = () => inFlight.delete(work);
		work.then(forget, forget);
		return work;
	}

	function sync(users: readonly SyncUser[], signal?: AbortSignal): Promise<UserSyncResult[]> {
		if (state !== 'open') return Promise.reject(shuttingDown());
		const work = syncUsers(users, { client, profileMapping, profileSync: profileSyncRules, metrics }, signal);
		work.then(
			(results) => failures.recordResults(results),
			(error: unknown) => failures.recordError(error),
		);
		return track(work);
	}

	return {
		syncUsers: sync,
		recentFailures: () => failures.list(),
		reconfigure(settings) {
			profileMapping = mappingOrDefault(settings.profileMapping);
			if (isDeepStrictEqual(settings.blueconic, credentials)) return;
			credentials = settings.blueconic;
			client = clientFor(credentials);
		},
		async handleWebhook(body) {
			// Refused without looking at the users: a sender retries the whole request later anyway.
			if (state !== 'open') return httpErrorAnswer(shuttingDown());
			const { queue } = options;
			const enqueueUsers = queue && ((users: readonly SyncUser[]) => track(queue.enqueue(users)));
			return handleProfileSyncWebhook(body, { syncUsers: (users) => sync(users), enqueueUsers, metrics, logger, maxUsersPerRequest, minRetryAfterMs });
		},
		abort() {
			state = 'closing';
			lifetime.abort(shuttingDown());
		},
		async close() {
			state = 'closing';
			await Promise.allSettled([...inFlight]);
		},
	};
}

function shuttingDown(): HttpError {
	return new HttpError(503, 'shutting_down', 'profile sync is shutting down', { 'Retry-After': '5' });
}
