import type { UserSyncResult } from './sync-users.js';

/** One failed profile sync as the console shows it: when, and why, never whose (no email, no session). */
export interface ProfileSyncFailure {
	readonly at: string;
	readonly reason: string;
}

// Profiles BlueConic holds as sent; any other state is a failure worth showing.
const storedStates = new Set(['CREATED', 'MODIFIED', 'UNCHANGED']);

/** The last `capacity` failures, newest first, each reason at most 300 characters. */
export class RecentFailures {
	readonly #ring: ProfileSyncFailure[] = [];

	constructor(
		readonly capacity = 20,
		readonly now: () => number = Date.now,
	) {}

	/** Records what went wrong for the users of one sync. */
	recordResults(results: readonly UserSyncResult[]): void {
		const reasons = new Set<string>();
		for (const result of results) {
			if (result.status === 'rejected') reasons.add(`user not sent: ${result.reason}`);
			else if (result.status === 'sent' && !storedStates.has(result.state)) reasons.add(`BlueConic answered ${result.state}`);
		}
		for (const reason of reasons) this.record(reason);
	}

	/** Records a sync BlueConic did not answer for (its error, with anything shaped like an email taken out). */
	recordError(error: unknown): void {
		const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unexpected failure';
		this.record(message);
	}

	record(reason: string): void {
		// Word by word, not a regex: no pattern to backtrack on, and any word with an "@" is taken for an email.
		const shown = reason
			.slice(0, 1_000)
			.split(' ')
			.map((word) => (word.includes('@') ? '<email>' : word))
			.join(' ')
			.slice(0, 300);
		this.#ring.unshift({ at: new Date(this.now()).toISOString(), reason: shown });
		if (this.#ring.length > this.capacity) this.#ring.pop();
	}

	list(): readonly ProfileSyncFailure[] {
		return [...this.#ring];
	}
}
