import type { BlueConicConfig } from '../config/schema.js';
import type { BackoffPolicy } from '../utils/backoff.js';
import type { BlueConicClientEvents } from './client-events.js';
import { BlueConicAuthError } from './errors/blueconic-auth-error.js';
import { attemptRequest, parseJsonOrUndefined } from './http-attempt.js';
import type { LogSink } from './log-sink.js';
import { type RetryableOutcome, retryOrAnswer, runWithRetries } from './retry-loop.js';

/** A bearer token for BlueConic's REST API, fetched with OAuth 2.0 client credentials and shared by all callers. */
export interface AccessTokenSource {
	/** A token valid for a while yet: the cached one, or a fresh one (one request however many callers wait). */
	getToken(signal?: AbortSignal): Promise<string>;
	/** BlueConic answered 401 with `token`: forget it, unless a newer token has replaced it already. */
	invalidate(token: string): void;
}

export interface TokenProviderOptions {
	readonly config: Pick<BlueConicConfig, 'baseUrl' | 'clientId' | 'clientSecret' | 'scope' | 'timeoutMs'>;
	readonly policy: BackoffPolicy;
	/** Refresh this long before `expires_in` runs out, so a token never expires between check and use. */
	readonly refreshMarginMs: number;
	readonly fetch: typeof fetch;
	readonly now: () => number;
	readonly random?: () => number;
	readonly events: BlueConicClientEvents;
	readonly logger: LogSink;
	/**
	 * The client's lifetime: aborting it aborts a token request in flight and its retry waits. (Combined with each
	 * attempt's deadline by `AbortSignal.any()`, which keeps one small signal per token request: one an hour.)
	 */
	readonly signal?: AbortSignal | undefined;
}

interface CachedToken {
	readonly accessToken: string;
	/** When we stop using it: `expires_in` minus the margin. */
	readonly refreshAtMs: number;
}

// BlueConic documents 3600; used only if an answer leaves `expires_in` out.
const fallbackLifetimeSeconds = 3600;

export function createTokenProvider(options: TokenProviderOptions): AccessTokenSource {
	const tokenUrl = `${options.config.baseUrl}/rest/v2/oauth/token`;
	let cached: CachedToken | undefined;
	let pending: Promise<CachedToken> | undefined;

	function fetchToken(): Promise<CachedToken> {
		pending ??= requestToken(tokenUrl, options)
			.then((token) => {
				cached = token;
				return token;
			})
			.finally(() => {
				pending = undefined;
			});
		return pending;
	}

	return {
		async getToken(signal) {
			if (cached && options.now() < cached.refreshAtMs) return cached.accessToken;
			// The shared request is not tied to one caller's signal: another caller may still want its answer.
			const token = await abortable(fetchToken(), signal);
			return token.accessToken;
		},
		invalidate(token) {
			if (cached?.accessToken === token) cached = undefined;
		},
	};
}

async function requestToken(tokenUrl: string, options: TokenProviderOptions): Promise<CachedToken> {
	const { config } = options;
	const form = new URLSearchParams({
		grant_type: 'client_credentials',
		client_id: config.clientId,
		client_secret: config.clientSecret,
	});
	if (config.scope !== undefined) form.set('scope', config.scope);
	try {
		const token = await runWithRetries(
			async (): Promise<RetryableOutcome<CachedToken>> => {
				const requestedAtMs = options.now();
				const outcome = await attemptRequest(
					tokenUrl,
					{
						method: 'POST',
						headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
						body: form.toString(),
					},
					{ timeoutMs: config.timeoutMs, fetch: options.fetch, signal: options.signal },
				);
				const answer = retryOrAnswer(outcome, {
					request: 'token request',
					timeoutMs: config.timeoutMs,
					answered: (httpStatus) => `token endpoint answered ${httpStatus}`,
					now: options.now,
				});
				if (answer.status === 'retry') return answer;
				const body = parseJsonOrUndefined(answer.bodyText);
				if (answer.httpStatus < 200 || answer.httpStatus >= 300) throw authErrorFrom(answer.httpStatus, body);
				const token = readToken(body, requestedAtMs, options.refreshMarginMs);
				if (token !== undefined) return { status: 'done', value: token };
				// Our credentials were accepted (2xx) and the answer is broken: BlueConic's fault, and likely a passing
				// one, so it is retried like a 5xx and, if it lasts, answered 503, not "credentials refused".
				const problem = body === undefined ? 'a body that is not JSON' : 'JSON without an access_token';
				return { status: 'retry', reason: 'server_error', message: `token endpoint answered ${answer.httpStatus} with ${problem}` };
			},
			{
				policy: options.policy,
				signal: options.signal,
				random: options.random,
				onRetry: (reason, delayMs, message) => {
					options.events.onRetry?.(reason);
					options.logger.warn({ reason, delayMs }, `${message}; retrying`);
				},
			},
		);
		options.events.onTokenFetch?.('issued');
		options.logger.debug({}, 'fetched a BlueConic access token');
		return token;
	} catch (error) {
		options.events.onTokenFetch?.(error instanceof BlueConicAuthError ? 'refused' : 'failed');
		throw error;
	}
}

function authErrorFrom(httpStatus: number, body: unknown): BlueConicAuthError {
	const fields = (body ?? {}) as { error?: unknown; error_description?: unknown };
	const code = typeof fields.error === 'string' && /^[a-z_]+$/.test(fields.error) ? fields.error : `http_${httpStatus}`;
	// Only the description BlueConic wrote, never the form we sent (it holds the secret).
	const description = typeof fields.error_description === 'string' ? `: ${fields.error_description.slice(0, 200)}` : '';
	return new BlueConicAuthError(code, httpStatus, `BlueConic refused our client credentials (${code})${description}`);
}

/** The token in a 2xx answer, or `undefined` when the answer holds none. */
function readToken(body: unknown, requestedAtMs: number, refreshMarginMs: number): CachedToken | undefined {
	const fields = (body ?? {}) as { access_token?: unknown; expires_in?: unknown };
	if (typeof fields.access_token !== 'string' || fields.access_token === '') return undefined;
	const lifetimeMs =
		(typeof fields.expires_in === 'number' && fields.expires_in > 0 ? fields.expires_in : fallbackLifetimeSeconds) * 1000;
	// A short-lived token is still used for half its life rather than refreshed before every request.
	const marginMs = Math.min(refreshMarginMs, lifetimeMs / 2);
	return { accessToken: fields.access_token, refreshAtMs: requestedAtMs + lifetimeMs - marginMs };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (!signal) return promise;
	if (signal.aborted) return Promise.reject(signal.reason);
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}
