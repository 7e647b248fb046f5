/**
 * Callers waiting for a session's first report (`decision?wait=MS`). Bounded in number, in all and per session,
 * so that neither slow clients nor one session holding requests open can use up the waits of everyone else; past
 * a bound a waiter is answered at once with the current state.
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
		const sessionWaiterCount = this.#waitersBySession.get(sessionKey)?.size ?? 0;
		if (timeoutMs <= 0 || this.#count >= this.#maxWaiters || sessionWaiterCount >= maxWaitersPerSession) {
			return Promise.resolve();
		}
		return new Promise((resolve) => {
			let waiters = this.#waitersBySession.get(sessionKey);
			if (waiters === undefined) {
				waiters = new Set();
				this.#waitersBySession.set(sessionKey, waiters);
			}
			const sessionWaiters = waiters;
			const done = (): void => {
				clearTimeout(timer);
				if (sessionWaiters.delete(done)) this.#count--;
				if (sessionWaiters.size === 0 && this.#waitersBySession.get(sessionKey) === sessionWaiters) {
					this.#waitersBySession.delete(sessionKey);
				}
				resolve();
			};
			const timer = setTimeout(done, timeoutMs);
			sessionWaiters.add(done);
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
