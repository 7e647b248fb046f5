import { LRUCache } from 'lru-cache';
import { heapNumberBytes, lruSlotBytes, mapEntryBytes, objectBytes, stringBytes } from '../utils/heap-bytes.js';
import type { RateWindow } from '../sessions/session-records.js';
import { type RateLimiter, tooManyReports } from './rate-limiter.js';

interface Window {
	startedAt: number;
	count: number;
}

/**
 * What one tracked window costs at most: its session key (43 characters), the key's table entry, the window (its
 * start time a boxed number) and its preallocated slot. Every window costs the same, so `maxTracked` windows bound
 * the limiter's heap at `maxTracked × windowBytes`.
 */
export const windowBytes = stringBytes('k'.repeat(43)) + mapEntryBytes + objectBytes(2) + heapNumberBytes + lruSlotBytes({ ttl: false });

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

	/**
	 * Counts one request for a session; throws a 429 with `Retry-After` past the limit. `sessionKey` is a session
	 * key (see sessionKeyOf), never a client's raw string, so that every window has the same size.
	 */
	take(sessionKey: string): void {
		const now = Date.now();
		let window = this.#windows.get(sessionKey);
		if (window === undefined || now - window.startedAt >= 60_000) {
			window = { startedAt: now, count: 0 };
			this.#windows.set(sessionKey, window);
		}
		window.count++;
		if (window.count > this.#perMinute) {
			throw tooManyReports(this.#perMinute, window.startedAt + 60_000 - now);
		}
	}

	/**
	 * The same count in a window its caller holds (a session's hot-path record, see `SessionRecords`), at `now`
	 * (`Date.now()`): no lookup of its own. A record let go takes its window with it, which errs toward allowing
	 * as an evicted window does.
	 */
	takeIn(window: RateWindow, now: number): void {
		if (now - window.windowStartedAt >= 60_000) {
			window.windowStartedAt = now;
			window.windowCount = 0;
		}
		window.windowCount++;
		if (window.windowCount > this.#perMinute) {
			throw tooManyReports(this.#perMinute, window.windowStartedAt + 60_000 - now);
		}
	}
}
