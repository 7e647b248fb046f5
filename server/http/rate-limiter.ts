import type { RateWindow } from '../sessions/session-records.js';
import { HttpError } from '../errors/http-error.js';
import { retryAfterSeconds } from '../utils/backoff.js';

/**
 * Counts reports per session: in this process (`RateLimit`) or across every instance sharing a Redis
 * (`RedisRateLimit`). `take` throws (or, on the Redis path only, rejects with) a 429 past the limit; the
 * in-process limit answers synchronously, so the hot path awaits only when a promise comes back.
 */
export interface RateLimiter {
	take(key: string): void | Promise<void>;
	/**
	 * In-process limits only: counts in a window the caller keeps (a session's hot-path record), at `now`. Absent
	 * on the Redis limit, whose windows are shared in Redis: the record then holds none.
	 */
	takeIn?(window: RateWindow, now: number): void;
}

/** The 429 both limits answer: at most `perMinute` reports, try again in `retryAfterMs`. */
export function tooManyReports(perMinute: number, retryAfterMs: number): HttpError {
	return new HttpError(429, 'too_many_reports', `at most ${perMinute} reports a minute per session`, {
		'Retry-After': retryAfterSeconds(retryAfterMs),
	});
}
