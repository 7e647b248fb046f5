/**
 * What stands between the collector and BlueConic's REST API: at most `maxConcurrent` requests in flight, at most
 * `perSecond` started per second (a token bucket holding one second's worth), a bounded queue for the rest, and a
 * cooling-off period after BlueConic answers 429 or 503, during which nothing is sent (its `Retry-After`, or a
 * default). A lookup the gate refuses falls back at once instead of piling up behind an overloaded BlueConic.
 */

export type GateRefusal = 'cooling_off' | 'queue_full';

export interface RequestGateOptions {
	readonly maxConcurrent: number;
	readonly perSecond: number;
	readonly maxQueued: number;
	/** The clock of the cooling-off (a test's clock may be moved); the rate is measured on the monotonic clock. */
	readonly now: () => number;
}

interface Queued {
	readonly start: () => void;
	readonly refuse: (reason: GateRefusal) => void;
}

export class RequestGate {
	readonly #options: RequestGateOptions;
	readonly #queue: Queued[] = [];
	#inFlight = 0;
	#tokens: number;
	#tokensAt: number;
	#coolingUntil = 0;
	#timer: NodeJS.Timeout | undefined;

	constructor(options: RequestGateOptions) {
		for (const name of ['maxConcurrent', 'perSecond', 'maxQueued'] as const) {
			if (!Number.isInteger(options[name]) || options[name] < 1) throw new TypeError(`${name} must be a positive integer`);
		}
		this.#options = options;
		this.#tokens = options.perSecond;
		this.#tokensAt = performance.now();
	}

	/** Whether requests are held back after a 429/503, and until when (ms). */
	coolingUntil(): number {
		return this.#coolingUntil > this.#options.now() ? this.#coolingUntil : 0;
	}

	/** BlueConic asked us to slow down: send nothing for `ms`; what is queued is refused now rather than held. */
	coolOff(ms: number): void {
		this.#coolingUntil = Math.max(this.#coolingUntil, this.#options.now() + ms);
		for (const queued of this.#queue.splice(0)) queued.refuse('cooling_off');
	}

	/** Runs `request` once the gate lets it through; a refusal when cooling off or when the queue is full. */
	run<T>(request: () => Promise<T>): Promise<{ status: 'ran'; value: T } | { status: 'refused'; reason: GateRefusal }> {
		if (this.coolingUntil() > 0) return Promise.resolve({ status: 'refused', reason: 'cooling_off' });
		if (this.#queue.length >= this.#options.maxQueued) return Promise.resolve({ status: 'refused', reason: 'queue_full' });
		return new Promise((resolve, reject) => {
			this.#queue.push({
				start: () => {
					this.#inFlight++;
					request()
						.then((value) => resolve({ status: 'ran', value }), reject)
						.finally(() => {
							this.#inFlight--;
							this.#pump();
						});
				},
				refuse: (reason) => resolve({ status: 'refused', reason }),
			});
			this.#pump();
		});
	}

	/** Clears the refill timer and refuses what is queued. */
	close(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		for (const queued of this.#queue.splice(0)) queued.refuse('cooling_off');
	}

	#pump(): void {
		this.#refill();
		while (this.coolingUntil() === 0 && this.#queue.length > 0 && this.#inFlight < this.#options.maxConcurrent && this.#tokens >= 1) {
			this.#tokens--;
			this.#queue.shift()?.start();
		}
		if (this.#queue.length > 0 && this.#inFlight < this.#options.maxConcurrent && this.#timer === undefined) {
			// Out of tokens: come back when the next one is due (also at the end of a cooling-off).
			const tokenDueMs = Math.ceil(((1 - this.#tokens) * 1000) / this.#options.perSecond);
			const waitMs = Math.max(tokenDueMs, this.coolingUntil() - this.#options.now(), 1);
			this.#timer = setTimeout(() => {
				this.#timer = undefined;
				this.#pump();
			}, waitMs);
			this.#timer.unref();
		}
	}

	#refill(): void {
		const now = performance.now();
		const elapsedMs = Math.max(0, now - this.#tokensAt);
		this.#tokens = Math.min(this.#options.perSecond, this.#tokens + (elapsedMs * this.#options.perSecond) / 1000);
		this.#tokensAt = now;
	}
}
