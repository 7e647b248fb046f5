import { LRUCache } from 'lru-cache';
import { type RateLimiter, tooManyReports } from './rate-limiter.js';

interface Window {
	startedAt: number;
	count: number;
}

/**
 * A fixed one-minute window per session. Bounded in the sessions it tracks: when more are active than it
 * holds, the least recently seen start a fresh window, which only ever errs toward allowing.
 */
export class RateLimit implements RateLimiter {
	readonly #windows: LRUCache<string, Window>;
	readonly #perMinute: number;

	constructor(perMinute: number, maxTracked: number) {
		this.#perMinute = perMinute;
		this.#windows = new LRUCache({ max: maxTracked });
	}

	/** Counts one request for `key`; throws a 429 with `Retry-After` past the limit. */
	take(key: string): void {
		const now = Date.now();
		let window = this.#windows.get(key);
		if (window === undefined || now - window.startedAt >= 60_000) {
			window = { startedAt: now, count: 0 };
			this.#windows.set(key, window);
		}
		window.count++;
		if (window.count > this.#perMinute) {
			throw tooManyReports(this.#perMinute, window.startedAt + 60_000 - now);
		}
	}
}
