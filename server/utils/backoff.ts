/**
 * Retry timing for every server-side caller that retries (the BlueConic client today): exponential backoff with
 * full jitter, and `Retry-After` parsing. Written once so all retries behave, and are tested, alike.
 */

export interface BackoffPolicy {
	/** Attempts in total, the first one included; 1 means "never retry". */
	readonly maxAttempts: number;
	/** Upper bound of the first retry's delay; each further retry doubles it. */
	readonly baseDelayMs: number;
	/** No computed delay exceeds this, however many attempts were made. */
	readonly maxDelayMs: number;
	/**
	 * A server's `Retry-After` longer than this is not waited for in-process: the caller gives up and passes the
	 * hint on (the webhook answers 503 with it) instead of holding a request open for minutes.
	 */
	readonly maxRetryAfterMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = Object.freeze({
	maxAttempts: 5,
	baseDelayMs: 250,
	maxDelayMs: 10_000,
	maxRetryAfterMs: 30_000,
});

/** Merges overrides into the default policy and checks every field once, loudly. */
export function resolveBackoffPolicy(overrides: Partial<BackoffPolicy> = {}): BackoffPolicy {
	const policy = { ...defaultBackoffPolicy, ...overrides };
	if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
		throw new TypeError('retry.maxAttempts must be an integer of at least 1');
	}
	for (const name of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
		if (!Number.isFinite(policy[name]) || policy[name] < 0) throw new TypeError(`retry.${name} must be a number >= 0`);
	}
	if (policy.maxDelayMs < policy.baseDelayMs) throw new TypeError('retry.maxDelayMs must be >= retry.baseDelayMs');
	return Object.freeze(policy);
}

/**
 * The delay before retry number `retry` (1 for the first retry). Full jitter: uniformly random in
 * [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))], so many clients retrying at once spread out instead of
 * hammering the server in lock-step. A server's `Retry-After` is a floor: we never come back earlier than asked.
 */
export function retryDelayMs(
	retry: number,
	policy: BackoffPolicy,
	retryAfterMs: number | undefined = undefined,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
	const jittered = Math.floor(random() * ceiling);
	return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/**
 * The window every `Retry-After` is held to, whether read from BlueConic or sent to our own callers. A server
 * answering `Retry-After: 86400`, a date in 2099 or a 400-digit number must neither park a retry for a day nor be
 * relayed to senders as is (nor as `Infinity`, which is no header value at all).
 */
export const retryAfterWindowSeconds = Object.freeze({ min: 1, max: 300 });

const maxRetryAfterMs = retryAfterWindowSeconds.max * 1000;

/**
 * `Retry-After` as milliseconds from `nowMs`: either delay-seconds (`"120"`) or an HTTP date, at most the window's
 * 300 s. `undefined` when the header is absent or unreadable (`"-3"`, `"1.5"`, `"soon"`); a date in the past gives 0.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
	if (header === null || header === undefined) return undefined;
	const text = header.trim();
	// Any number of digits is valid delay-seconds; a 400-digit one reads as Infinity and is clamped like the rest.
	if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs);
	if (!/[a-z]/i.test(text)) return undefined; // "1.5" or "-3" are not valid delay-seconds, and not dates either
	const dateMs = Date.parse(text);
	if (Number.isNaN(dateMs)) return undefined;
	return Math.min(Math.max(0, dateMs - nowMs), maxRetryAfterMs);
}

/**
 * Whole seconds for a `Retry-After` header we send, within the window: at least 1 so a client never retries in a
 * tight loop, at most 300. A delay that is not a number (a bug upstream) asks for the longest wait.
 */
export function retryAfterSeconds(delayMs: number): string {
	const seconds = Number.isNaN(delayMs) ? retryAfterWindowSeconds.max : Math.ceil(delayMs / 1000);
	return String(Math.min(retryAfterWindowSeconds.max, Math.max(retryAfterWindowSeconds.min, seconds)));
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) {
			reject(signal.reason);
			return;
		}
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal?.reason);
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
