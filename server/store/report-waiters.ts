/**
 * Callers waiting for a session's first report (`decision?wait=MS`). Bounded in number, in all and per session,
 * so that neither slow clients nor one session holding requests open can use up the waits of everyone else; past
 * a bound a waiter is answered at once with the current state.
 *
 * Bounded in bytes by the same count: a waiter holds a timer, a promise and a callback, and is filed under its
 * session key (16 characters, see sessionKeyOf; 22 in the Redis store, see sessionKeyText), never a client's
 * string, so each costs the same, about 1 KB (test/server/memory-bounds.test.ts measures it): 10,000 waiters, the collector's default, hold about 10 MB.
 * (The requests they answer are bounded by the connection limits.)
 */
const maxWaitersPerSession = 10;

/** Told when a session gains its first waiter and loses its last (the Redis store subscribes and unsubscribes). */
export interface WaitedSessions {
	watch(sessionKey: string): void;
	unwatch(sessionKey: string): void;
}

export class ReportWaiters {
	readonly #waitersBySession = new Map<string, Set<() => void>>();
	readonly #maxWaiters: number;
	readonly #waitedSessions: WaitedSessions | undefined;
	#count = 0;

	constructor(maxWaiters: number, waitedSessions?: WaitedSessions) {
		if (!Number.isInteger(maxWaiters) || maxWaiters < 0) throw new TypeError('maxWaiters must be a nonnegative integer');
		this.#maxWaiters = maxWaiters;
		this.#waitedSessions = waitedSessions;
	}

	/**
	 * Resolves with true when `notify(sessionKey)` is called, false after `timeoutMs`, whichever is first; false at
	 * once past a bound.
	 */
	wait(sessionKey: string, timeoutMs: number): Promise<boolean> {
		const heldWaiters = this.#waitersBySession.get(sessionKey);
		if (timeoutMs <= 0 || this.#count >= this.#maxWaiters || (heldWaiters?.size ?? 0) >= maxWaitersPerSession) {
			return Promise.resolve(false);
		}
		const waiters = heldWaiters ?? new Set<() => void>();
		if (heldWaiters === undefined) this.#waitersBySession.set(sessionKey, waiters);
		return new Promise((resolve) => {
			const done = (notified: boolean): void => {
				clearTimeout(timer);
				if (waiters.delete(release)) this.#count--;
				if (waiters.size === 0 && this.#waitersBySession.get(sessionKey) === waiters) {
					this.#waitersBySession.delete(sessionKey);
					this.#waitedSessions?.unwatch(sessionKey);
				}
				resolve(notified);
			};
			const release = (): void => done(true);
			const timer = setTimeout(done, timeoutMs, false);
			waiters.add(release);
			this.#count++;
			if (heldWaiters === undefined) this.#waitedSessions?.watch(sessionKey);
		});
	}

	notify(sessionKey: string): void {
		const waiters = this.#waitersBySession.get(sessionKey);
		if (waiters === undefined) return;
		for (const release of [...waiters]) release();
	}

	/** Answers every waiter now (shutdown). */
	releaseAll(): void {
		for (const waiters of [...this.#waitersBySession.values()]) for (const release of [...waiters]) release();
	}
}
