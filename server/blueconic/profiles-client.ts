import type { BlueConicConfig } from '../config/schema.js';
import { type BackoffPolicy, resolveBackoffPolicy } from '../utils/backoff.js';
import type { BlueConicClientEvents } from './client-events.js';
import { BlueConicAuthError } from './errors/blueconic-auth-error.js';
import { BlueConicRequestError } from './errors/blueconic-request-error.js';
import { attemptRequest, parseJsonOrUndefined } from './http-attempt.js';
import { withLifetimeSignal } from './lifetime-signal.js';
import { type LogSink, silentLogSink } from './log-sink.js';
import { readProfileWriteResults } from './profile-answer.js';
import type { ProfileEntry, ProfileWriteResult } from './profile-entry.js';
import { type RetryableOutcome, retryOrAnswer, runWithRetries } from './retry-loop.js';
import { createTokenProvider } from './token-provider.js';

/** BlueConic processes at most this many entries per `PUT /rest/v2/profiles` (more: 413, only the first 1000). */
export const maxEntriesPerRequest = 1000;

export interface PutProfilesOptions {
	/** Sent as `objectiveIds`: BlueConic answers CONSENT_MISMATCH for profiles lacking these consented objectives. */
	readonly objectiveIds?: readonly string[];
	readonly signal?: AbortSignal;
}

export interface BlueConicClient {
	/**
	 * Creates or updates profiles. Answers one result per entry, in the entries' order, once BlueConic has answered
	 * for all of them. Throws `BlueConicAuthError`, `BlueConicUnavailableError` (after bounded retries),
	 * `BlueConicRequestError` or `BlueConicAnswerError`.
	 */
	putProfiles(entries: readonly ProfileEntry[], options?: PutProfilesOptions): Promise<ProfileWriteResult[]>;
}

export interface BlueConicClientOptions {
	/** The configured `blueconic` section; its `retry` applies unless `retry` below is given. */
	readonly config: Pick<BlueConicConfig, 'baseUrl' | 'clientId' | 'clientSecret' | 'scope' | 'timeoutMs'> & {
		readonly retry?: BlueConicConfig['retry'];
	};
	/** Retry timing for 429, 5xx, network errors and timeouts, over the configured one. */
	readonly retry?: Partial<BackoffPolicy>;
	/** How long before `expires_in` runs out a token is refreshed. Default one minute. */
	readonly tokenRefreshMarginMs?: number;
	/** Entries per request, at most (and by default) 1000. */
	readonly batchSize?: number;
	readonly events?: BlueConicClientEvents;
	readonly logger?: LogSink;
	/**
	 * Aborts every request and retry wait of this client, token requests included, for good (a shutdown's
	 * deadline); calls then reject with its reason. A call's own `signal` aborts just that call.
	 */
	readonly signal?: AbortSignal;
	readonly fetch?: typeof fetch;
	readonly now?: () => number;
	readonly random?: () => number;
}

export function createBlueConicClient(options: BlueConicClientOptions): BlueConicClient {
	const { config } = options;
	if (!/^https?:\/\/[^/]/.test(config.baseUrl) || config.baseUrl.endsWith('/')) {
		throw new TypeError('config.baseUrl must be an http(s) URL without a trailing slash');
	}
	if (!Number.isInteger(config.timeoutMs) || config.timeoutMs <= 0) {
		throw new TypeError('config.timeoutMs must be a positive integer');
	}
	const batchSize = options.batchSize ?? maxEntriesPerRequest;
	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxEntriesPerRequest) {
		throw new TypeError(`batchSize must be an integer from 1 to ${maxEntriesPerRequest}`);
	}
	const refreshMarginMs = options.tokenRefreshMarginMs ?? 60_000;
	if (!Number.isFinite(refreshMarginMs) || refreshMarginMs < 0) {
		throw new TypeError('tokenRefreshMarginMs must be a number >= 0');
	}
	const policy = resolveBackoffPolicy(options.retry ?? config.retry);
	const events = options.events ?? {};
	const logger = options.logger ?? silentLogSink;
	const fetchFn = options.fetch ?? globalThis.fetch;
	const now = options.now ?? Date.now;
	const tokens = createTokenProvider({
		config,
		policy,
		refreshMarginMs,
		fetch: fetchFn,
		now,
		random: options.random,
		events,
		logger,
		signal: options.signal,
	});

	/** One PUT of `entries`, retried through transient failures and one 401; `too_large` on a 413. */
	async function sendBatch(
		entries: readonly ProfileEntry[],
		query: string,
		signal: AbortSignal | undefined,
	): Promise<{ status: 'written'; results: ProfileWriteResult[] } | { status: 'too_large' }> {
		const url = `${config.baseUrl}/rest/v2/profiles${query}`;
		const body = JSON.stringify(entries);
		return runWithRetries(
			async (): Promise<RetryableOutcome<{ status: 'written'; results: ProfileWriteResult[] } | { status: 'too_large' }>> => {
				let outcome = await putOnce(url, body, await tokens.getToken(signal), signal);
				if (outcome.status === 'answered' && outcome.httpStatus === 401) {
					// Tokens can be revoked or expire early; one retry with a fresh token, then it is our credentials.
					events.onRetry?.('token_rejected');
					logger.info({}, 'BlueConic answered 401; retrying once with a fresh token');
					outcome = await putOnce(url, body, await tokens.getToken(signal), signal);
					if (outcome.status === 'answered' && outcome.httpStatus === 401) {
						throw new BlueConicAuthError('unauthorized', 401, 'BlueConic refused a freshly issued access token (401)');
					}
				}
				const answer = retryOrAnswer(outcome, {
					request: 'profiles request',
					timeoutMs: config.timeoutMs,
					answered: (httpStatus) => `answered ${httpStatus} to a profiles request`,
					now,
				});
				if (answer.status === 'retry') return answer;
				const { httpStatus } = answer;
				if (httpStatus === 413) return { status: 'done', value: { status: 'too_large' } };
				if (httpStatus === 403) {
					throw new BlueConicAuthError('forbidden', 403, 'BlueConic forbids our client writing profiles (403); check its scopes');
				}
				if (httpStatus < 200 || httpStatus >= 300) throw requestErrorFrom(httpStatus, answer.bodyText);
				return { status: 'done', value: { status: 'written', results: readProfileWriteResults(answer.bodyText, entries) } };
			},
			{
				policy,
				signal,
				random: options.random,
				onRetry: (reason, delayMs, message) => {
					events.onRetry?.(reason);
					logger.warn({ reason, delayMs, entries: entries.length }, `BlueConic ${message}; retrying`);
				},
			},
		);
	}

	function putOnce(url: string, body: string, token: string, signal: AbortSignal | undefined) {
		return attemptRequest(
			url,
			{
				method: 'PUT',
				headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
				body,
			},
			{ timeoutMs: config.timeoutMs, signal, fetch: fetchFn },
		).then((outcome) => {
			if (outcome.status === 'answered' && outcome.httpStatus === 401) tokens.invalidate(token);
			return outcome;
		});
	}

	/** Sends a batch; on a 413 sends each half instead, down to single entries. */
	async function sendSplittingOnTooLarge(
		entries: readonly ProfileEntry[],
		query: string,
		signal: AbortSignal | undefined,
	): Promise<ProfileWriteResult[]> {
		const answer = await sendBatch(entries, query, signal);
		if (answer.status === 'written') return answer.results;
		if (entries.length === 1) {
			throw new BlueConicRequestError(413, 'entry_too_large', `BlueConic refused the entry "${entries[0]?.identifier}" as too large (413)`);
		}
		events.onRetry?.('too_large');
		const half = Math.ceil(entries.length / 2);
		logger.info({ entries: entries.length }, 'BlueConic answered 413; sending the batch in two halves');
		const first = await sendSplittingOnTooLarge(entries.slice(0, half), query, signal);
		const second = await sendSplittingOnTooLarge(entries.slice(half), query, signal);
		return [...first, ...second];
	}

	return {
		async putProfiles(entries, putOptions = {}) {
			assertUniqueIdentifiers(entries);
			const objectiveIds = putOptions.objectiveIds ?? [];
			const query = objectiveIds.length > 0 ? `?${new URLSearchParams({ objectiveIds: objectiveIds.join(',') })}` : '';
			return withLifetimeSignal(options.signal, putOptions.signal, async (signal) => {
				const results: ProfileWriteResult[] = [];
				for (let start = 0; start < entries.length; start += batchSize) {
					results.push(...(await sendSplittingOnTooLarge(entries.slice(start, start + batchSize), query, signal)));
				}
				return results;
			});
		},
	};
}

/** Identifiers map answers back to entries, so two entries with one identifier would make an answer ambiguous. */
function assertUniqueIdentifiers(entries: readonly ProfileEntry[]): void {
	const seen = new Set<string>();
	for (const entry of entries) {
		if (seen.has(entry.identifier)) throw new TypeError(`two profile entries share the identifier "${entry.identifier}"`);
		seen.add(entry.identifier);
	}
}

const maxFieldErrors = 20;

function requestErrorFrom(httpStatus: number, bodyText: string): BlueConicRequestError {
	const body = (parseJsonOrUndefined(bodyText) ?? {}) as { code?: unknown; message?: unknown; errors?: unknown };
	const code = typeof body.code === 'string' && body.code !== '' ? body.code : `http_${httpStatus}`;
	const message = typeof body.message === 'string' ? body.message.slice(0, 300) : `answered ${httpStatus}`;
	// Bounded like the message: these end up in answers and log lines.
	const fieldErrors = Array.isArray(body.errors)
		? body.errors.slice(0, maxFieldErrors).map((item: { field?: unknown; message?: unknown }) => ({
				field: String(item?.field ?? '').slice(0, 100),
				message: String(item?.message ?? '').slice(0, 200),
			}))
		: [];
	return new BlueConicRequestError(httpStatus, code, `BlueConic refused a profiles request (${httpStatus} ${code}): ${message}`, fieldErrors);
}
