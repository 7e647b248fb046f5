/**
 * Where each session's last segment report lives: in this process (`MemorySegmentStore`) or in a Redis that
 * several collector instances share (`RedisSegmentStore`). `read` and `write` answer with a plain value where the
store has it at hand (the in-process store always does, so the hot path costs no promise) and with a promise where
it must ask (Redis); callers that can take either `await` the answer.
 *
 * Keys are session keys (see `sessionKeyOf`), never raw cookie values.
 */
export interface SegmentStore extends Partial<HeldReports> {
	/** Never rejects for trouble reaching the store: that is the `unavailable` read. */
	read(sessionKey: string): StoreRead | Promise<StoreRead>;
	/**
	 * Fails with a `StoreUnavailableError` when the report could not be stored (a rejection, from a store that must
	 * ask); nothing is then half-written.
	 */
	write(sessionKey: string, segmentIds: readonly string[]): void | Promise<void>;
	/**
	 * Resolves with the first report written for this session within `timeoutMs` (by any instance sharing the
	 * store), or with the state at the end of the wait. Resolves at once when a report is already held.
	 */
	waitForReport(sessionKey: string, timeoutMs: number): Promise<StoreRead>;
	sessionCount(): Promise<number>;
	close(): Promise<void>;
}

/**
 * What stores in this process offer beside `write` (a plain answer, no round trip): `writeHeld` is `write`,
 * answering the frozen array now held for the session, which `refreshHeld` takes back. They let an unchanged
 * report skip its parse and checks (see routes/segments.ts).
 *
 * Each takes a `StorePlace` the caller keeps per session (a hot-path record): where the store last found the
 * session, tried before its key table, whose entries are spread over megabytes and each a cache miss.
 */
export interface HeldReports {
	writeHeld(sessionKey: string, segmentIds: readonly string[], place?: StorePlace): readonly string[];
	/** Refreshes the session's report as writing its ids again would, when it still holds `held`; else `false`. */
	refreshHeld(sessionKey: string, held: readonly string[], place?: StorePlace): boolean;
	/** `read`, plainly. */
	readAt(sessionKey: string, place: StorePlace): StoreRead;
}

/**
 * Where an in-process store last found a session: only a hint, checked against the key held there before use
 * and updated by the store whenever it finds the session elsewhere. Starts at -1 (nowhere).
 */
export interface StorePlace {
	storeSlot: number;
}

/** The store's `HeldReports`, when it has them. */
export function heldReportsOf(store: SegmentStore): HeldReports | undefined {
	return store.writeHeld !== undefined && store.refreshHeld !== undefined && store.readAt !== undefined
		? (store as SegmentStore & HeldReports)
		: undefined;
}

/**
 * `miss`: never reported (or evicted, or expired where the store drops expired reports itself, as Redis does);
 * `expired`: a report was held but its time to live ran out; `unavailable`: the store cannot be reached right now.
 */
export type StoreRead =
	/** `updatedAtMs`: when the last report arrived, in ms since the epoch (a number, not a Date: no object per read). */
	| { status: 'hit'; segmentIds: readonly string[]; updatedAtMs: number }
	| { status: 'miss' }
	| { status: 'expired' }
	| { status: 'unavailable' };
