import { LRUCache } from 'lru-cache';

/**
 * Slows down guessing admin keys: after `freeAttempts` wrong keys from one client address, each further attempt
 * must wait, the wait doubling with every wrong key up to `maxDelayMs`. A right key clears the address's record.
 * Memory is bounded: at most `maxClients` addresses are remembered, the least recently seen forgotten first.
 */

export interface SignInThrottleOptions {
	readonly freeAttempts?: number;
	readonly baseDelayMs?: number;
	readonly maxDelayMs?: number;
	readonly maxClients?: number;
	/** How long an address's wrong keys are remembered after the last one. */
	readonly forgetAfterMs?: number;
	readonly now?: () => number;
}

interface Failures {
	count: number;
	/** No attempt is taken from this address before then (ms). */
	blockedUntilMs: number;
}

export class SignInThrottle {
	readonly #freeAttempts: number;
	readonly #baseDelayMs: number;
	readonly #maxDelayMs: number;
	readonly #now: () => number;
	readonly #failures: LRUCache<string, Failures>;

	constructor({
		freeAttempts = 5,
		baseDelayMs = 30_000,
		maxDelayMs = 15 * 60_000,
		maxClients = 10_000,
		forgetAfterMs = 60 * 60_000,
		now = Date.now,
	}: SignInThrottleOptions = {}) {
		this.#freeAttempts = freeAttempts;
		this.#baseDelayMs = baseDelayMs;
		this.#maxDelayMs = maxDelayMs;
		this.#now = now;
		this.#failures = new LRUCache({ max: maxClients, ttl: forgetAfterMs, ttlAutopurge: false });
	}

	/** Milliseconds `client` must still wait before its next attempt; 0 when it may try now. */
	waitMsFor(client: string): number {
		const failures = this.#failures.get(client);
		return failures === undefined ? 0 : Math.max(0, failures.blockedUntilMs - this.#now());
	}

	recordFailure(client: string): void {
		const failures = this.#failures.get(client) ?? { count: 0, blockedUntilMs: 0 };
		failures.count++;
		const over = failures.count - this.#freeAttempts;
		if (over >= 0) {
			failures.blockedUntilMs = this.#now() + Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(over, 30));
		}
		this.#failures.set(client, failures);
	}

	recordSuccess(client: string): void {
		this.#failures.delete(client);
	}
}
