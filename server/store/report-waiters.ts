/**
 * Callers waiting for a session's first report (`decision?wait=MS`). Bounded in number, in all and per session,
 * so that neither slow clients nor one session holding requests open can use up the waits of everyone else; past
 * a bound a waiter is answered at once with the current state.
 *
 * Bounded in bytes by the same count: a waiter holds a timer, a promise and a callback, and is filed under its
 * session key (43 characters, see sessionKeyOf), never a client's string, so each costs the same, about 1 KB
 * (test/server/memory-bounds.test.ts measures it): 10,000 waiters, the collector's default, hold about 10 MB.
 * (The requests they answer are bounded by the connection limits.)
 */
const maxWaitersPerSession = 10;

export class ReportWaiters {
	readonly #waitersBySession = new Map<string, Set<() => void>>();
	readonly #maxWaiters: number;
	#count = 0;

	constructor(maxWaiters: number) {
		if (!Number.isInteger(maxWaiters) || maxWaiters < 0) throw new TypeError('maxWaiters must be a nonnegative integer');
		this.#maxWaiters = maxWaiters;
	}

	/** Resolves when `notify(sessionKey)` is called or after `timeoutMs`, whichever is first. */
	wait(sessionKey: string, timeoutMs: number): Promise<void> {
		const heldWaiters = this.#waitersBySession.get(sessionKey);
		if (timeoutMs <= 0 || this.#count >= this.#maxWaiters || (heldWaiters?.size ?? 0) >= maxWaitersPerSession) {
			return Promise.resolve();
		}
		const waiters = heldWaiters ?? new Set<() => void>();
		if (heldWaiters === undefined) this.#waitersBySession.set(sessionKey, waiters);
		return new Promise((resolve) => {
			const done = (): void => {
				clearTimeout(timer);
				if (waiters.delete(done)) this.#count--;
				if (waiters.size === 0 && this.#waitersBySession.get(sessionKey) === waiters) {
					this.#waitersBySession.delete(sessionKey);
				}
				resolve();
			};
			const timer = setTimeout(done, timeoutMs);
			waiters.add(done);
			this.#count++;
		});
	}

	notify(sessionKey: string): void {
		const waiters = this.#waitersBySession.get(sessionKey);
		if (waiters === undefined) return;
		for (const done of [...waiters]) done();
	}

	/** Answers every waiter now (shutdown). */
	releaseAll(): void {
		for (const waiters of [...this.#waitersBySession.values()]) for (const done of [...waiters]) done();
	}
}
