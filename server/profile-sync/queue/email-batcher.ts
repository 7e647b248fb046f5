import type { EmailOutcome } from './send-batch.js';

export interface EmailBatcherOptions {
	/** Distinct emails per batch: BlueConic takes at most 1000 entries per request. */
	readonly maxEmails: number;
	/** How long a batch that is not full waits for more emails before it is sent. */
	readonly lingerMs: number;
	/** Batches sent at once. */
	readonly maxInFlight: number;
	/** Sends one batch; resolves with an outcome for every email (see `sendProfileBatch`). */
	readonly send: (digests: readonly string[]) => Promise<Map<string, EmailOutcome>>;
}

interface Waiter {
	readonly digest: string;
	readonly settle: (outcome: EmailOutcome) => void;
}

/**
 * Gathers the emails of the jobs BullMQ hands the worker one by one into batches of up to 1000, so that many queued
 * users travel in one PUT. An email already being sent by this process waits for that batch to end before it goes
 * into another one (so one process never has two sends of one email in flight); jobs of one email that meet in a
 * batch share its outcome.
 */
export class EmailBatcher {
	readonly #options: EmailBatcherOptions;
	#waiting: Waiter[] = [];
	readonly #sending = new Set<string>();
	#inFlight = 0;
	#timer: NodeJS.Timeout | undefined;
	#draining = false;

	constructor(options: EmailBatcherOptions) {
		this.#options = options;
	}

	/** Resolves with how the email fared in the batch that carried it. */
	submit(digest: string): Promise<EmailOutcome> {
		return new Promise((settle) => {
			this.#waiting.push({ digest, settle });
			if (this.#draining || this.#waiting.length >= this.#options.maxEmails) this.#flush();
			else this.#timer ??= setTimeout(() => this.#flush(), this.#options.lingerMs);
		});
	}

	/** Sends whatever waits without lingering, now and from now on (shutting down). */
	drain(): void {
		this.#draining = true;
		this.#flush();
	}

	#flush(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		while (this.#inFlight < this.#options.maxInFlight) {
			const batch = this.#takeBatch();
			if (batch.size === 0) return;
			this.#sendBatch(batch);
		}
	}

	/** The next batch: waiting emails not being sent already, up to `maxEmails`; the rest keep waiting. */
	#takeBatch(): Map<string, Waiter[]> {
		const batch = new Map<string, Waiter[]>();
		const rest: Waiter[] = [];
		for (const waiter of this.#waiting) {
			const sameEmail = batch.get(waiter.digest);
			if (sameEmail) sameEmail.push(waiter);
			else if (!this.#sending.has(waiter.digest) && batch.size < this.#options.maxEmails) batch.set(waiter.digest, [waiter]);
			else rest.push(waiter);
		}
		this.#waiting = rest;
		return batch;
	}

	#sendBatch(batch: Map<string, Waiter[]>): void {
		this.#inFlight++;
		for (const digest of batch.keys()) this.#sending.add(digest);
		const digests = [...batch.keys()];
		this.#options
			.send(digests)
			.catch((error: unknown) => new Map<string, EmailOutcome>(digests.map((digest) => [digest, { kind: 'retry', message: error instanceof Error ? error.message : String(error) }])))
			.then((outcomes) => {
				for (const [digest, waiters] of batch) {
					const outcome = outcomes.get(digest) ?? { kind: 'retry', message: 'the batch gave no outcome for this email' };
					for (const waiter of waiters) waiter.settle(outcome);
				}
			})
			.finally(() => {
				for (const digest of digests) this.#sending.delete(digest);
				this.#inFlight--;
				// Whoever waited meanwhile has waited a batch's time already: no more lingering for them.
				if (this.#waiting.length > 0) this.#flush();
			});
	}
}
