import { InternedIds } from './interned-ids.js';
import { defaultMaxBytes, keyTableSlots, maxBytesProblem, reportBytes, storeFixedBytes } from './memory-budget.js';
import { ReportWaiters } from './report-waiters.js';
import type { SegmentStore, StorePlace, StoreRead } from './segment-store.js';
import { SessionKeyWords } from './session-key-words.js';

export interface MemoryStoreOptions {
	maxSessions: number;
	ttlSeconds: number;
	/**
	 * Bound on the heap the store holds, its preallocated slots and shared ids included (counted as in
	 * memory-budget.ts); past it the least recently used sessions go first. Default: `defaultMaxBytes`.
	 */
	maxBytes?: number;
	/** The largest report the store takes (the segment listener's limits); a larger one is refused. Default 200. */
	maxPerSession?: number;
	/** Default 200. */
	maxIdLength?: number;
	/** Bound on concurrent `waitForReport` callers. */
	maxWaiters?: number;
	/** Told about each session evicted: for `bytes` (over `maxBytes`) or `sessions` (over `maxSessions`). */
	onEvict?: (reason: EvictionReason) => void;
	/** Milliseconds since the epoch, never going back; the default is the monotonic clock. Tests turn it by hand. */
	clock?: () => number;
}

export type EvictionReason = 'bytes' | 'sessions';

// Most reports are empty on a first visit; they all share this one array.
const noSegments: readonly string[] = Object.freeze([]);
// A link or table entry that points nowhere.
const none = -1;

const monotonicClock = (): number => performance.timeOrigin + performance.now();

/**
 * Segments per session in one process, bounded by `maxSessions` and by `maxBytes`, each session living
 * `ttlSeconds` after its last report; past a bound the least recently used session (reported or read) goes.
 *
 * Built for a million sessions at under 150 bytes each, so no session owns a JavaScript object of its own but its
 * report: every per-session field lives in arrays allocated for `maxSessions` slots at start.
 * - The key is kept as its 16 bytes (`SessionKeyWords`) in `#keyWords`, found through `#keyTable`, an open-addressing
 *   table (linear probing, at most half full) of slot numbers;
 * - the report is a frozen array of shared ids (`InternedIds`), the very array a read answers; an unchanged
 *   report (every new tab, every refresh) keeps it and only refreshes its time;
 * - the report time is a number in `#reportedAt`, the use order two index links (`#newer`, `#older`).
 * Expired sessions are dropped when read (answering `expired`) or when they become the least recently used.
 */
export class MemorySegmentStore implements SegmentStore {
	readonly #maxSessions: number;
	readonly #ttlMs: number;
	readonly #maxBytes: number;
	readonly #maxPerSession: number;
	readonly #maxIdLength: number;
	readonly #clock: () => number;
	readonly #waiters: ReportWaiters;
	readonly #ids = new InternedIds();
	readonly #onEvict: ((reason: EvictionReason) => void) | undefined;

	/** Four 32-bit words a slot: the session key's 16 bytes. */
	readonly #keyWords: Uint32Array;
	/** Slot numbers by the key's first word; `none` where empty. */
	readonly #keyTable: Int32Array;
	readonly #keyTableMask: number;
	/** When each slot's report arrived (`clock` time). */
	readonly #reportedAt: Float64Array;
	/** The use order: `#newer[slot]` toward `#newest`, `#older[slot]` toward `#oldest`; free slots chain on `#older`. */
	readonly #newer: Int32Array;
	readonly #older: Int32Array;
	readonly #reports: (readonly string[] | undefined)[];
	readonly #key = new SessionKeyWords();
	#newest = none;
	#oldest = none;
	#freeSlots = none;
	/** Slots from here on were never used. */
	#unusedFrom = 0;
	#size = 0;
	/** Slots, key table and reports; the shared ids count in `#ids.bytes`. */
	#sessionBytes: number;

	constructor({
		maxSessions,
		ttlSeconds,
		maxBytes = defaultMaxBytes,
		maxPerSession = 200,
		maxIdLength = 200,
		maxWaiters = 10_000,
		onEvict,
		clock = monotonicClock,
	}: MemoryStoreOptions) {
		if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new TypeError('maxSessions must be a positive integer');
		if (maxSessions > 2 ** 30) throw new TypeError('maxSessions must be at most 2^30');
		if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError('ttlSeconds must be a positive integer');
		if (!Number.isInteger(maxPerSession) || maxPerSession < 1) throw new TypeError('maxPerSession must be a positive integer');
		if (!Number.isInteger(maxIdLength) || maxIdLength < 1) throw new TypeError('maxIdLength must be a positive integer');
		if (!Number.isSafeInteger(maxBytes)) throw new TypeError('maxBytes must be a whole number of bytes');
		const problem = maxBytesProblem(maxBytes, { maxSessions, maxPerSession, maxIdLength });
		if (problem !== undefined) throw new TypeError(`maxBytes ${problem}`);
		this.#maxSessions = maxSessions;
		this.#ttlMs = ttlSeconds * 1000;
		this.#maxBytes = maxBytes;
		this.#maxPerSession = maxPerSession;
		this.#maxIdLength = maxIdLength;
		this.#onEvict = onEvict;
		this.#clock = clock;
		this.#keyWords = new Uint32Array(4 * maxSessions);
		this.#keyTable = new Int32Array(keyTableSlots(maxSessions)).fill(none);
		this.#keyTableMask = this.#keyTable.length - 1;
		this.#reportedAt = new Float64Array(maxSessions);
		this.#newer = new Int32Array(maxSessions);
		this.#older = new Int32Array(maxSessions);
		this.#reports = new Array<readonly string[] | undefined>(maxSessions).fill(undefined);
		this.#sessionBytes = storeFixedBytes(maxSessions);
		this.#waiters = new ReportWaiters(maxWaiters);
	}

	read(sessionKey: string): StoreRead {
		return this.readAt(sessionKey, undefined);
	}

	/** `read`, looking first where `place` says the session was found last. */
	readAt(sessionKey: string, place: StorePlace | undefined): StoreRead {
		this.#key.set(sessionKey);
		const slot = this.#findFrom(place);
		if (slot === none) return { status: 'miss' };
		const reportedAt = this.#reportedAt[slot] as number;
		if (this.#clock() - reportedAt > this.#ttlMs) {
			this.#remove(slot);
			return { status: 'expired' };
		}
		this.#use(slot);
		return { status: 'hit', segmentIds: this.#reports[slot] as readonly string[], updatedAtMs: reportedAt };
	}

	/** Throws a RangeError for a report past `maxPerSession` ids or `maxIdLength` characters an id. */
	write(sessionKey: string, segmentIds: readonly string[]): void {
		this.writeHeld(sessionKey, segmentIds);
	}

	/** `write`, answering the frozen array the store now holds for the session: what `refreshHeld` takes. */
	writeHeld(sessionKey: string, segmentIds: readonly string[], place?: StorePlace): readonly string[] {
		this.#requireWithinLimits(segmentIds);
		this.#key.set(sessionKey);
		const now = this.#clock();
		let slot = this.#findFrom(place);
		if (slot !== none) {
			const held = this.#reports[slot] as readonly string[];
			this.#reportedAt[slot] = now;
			this.#use(slot);
			// The same ids as held: nothing to build, intern or count.
			if (sameIds(held, segmentIds)) return held;
			// The new ids first, so that ids the two reports share stay interned.
			this.#reports[slot] = this.#intern(segmentIds);
			this.#let(held);
		} else {
			const report = this.#intern(segmentIds);
			slot = this.#takeSlot();
			this.#keyWords.set(this.#key.words, 4 * slot);
			this.#insertKey(slot);
			this.#reports[slot] = report;
			this.#reportedAt[slot] = now;
			this.#linkNewest(slot);
			this.#size++;
			if (place !== undefined) place.storeSlot = slot;
		}
		const written = this.#reports[slot] as readonly string[];
		this.#evictPastMaxBytes();
		this.#waiters.notify(sessionKey);
		return written;
	}

	/**
	 * What writing the ids of `held` again does, without them: when the session still holds that very array (as
	 * `writeHeld` answered it), its report time is refreshed and `true` answered; otherwise nothing changes and
	 * `false` is answered (the report was replaced, evicted or expired and dropped since).
	 */
	refreshHeld(sessionKey: string, held: readonly string[], place?: StorePlace): boolean {
		this.#key.set(sessionKey);
		const slot = this.#findFrom(place);
		if (slot === none || this.#reports[slot] !== held) return false;
		this.#reportedAt[slot] = this.#clock();
		this.#use(slot);
		return true;
	}

	async waitForReport(sessionKey: string, timeoutMs: number): Promise<StoreRead> {
		const current = this.read(sessionKey);
		if (current.status === 'hit') return current;
		await this.#waiters.wait(sessionKey, timeoutMs);
		return this.read(sessionKey);
	}

	async sessionCount(): Promise<number> {
		return this.#size;
	}

	/** Heap the store holds, as counted against `maxBytes`: slots, key table, reports and shared ids. */
	bytesHeld(): number {
		return this.#sessionBytes + this.#ids.bytes;
	}

	/** Distinct segment ids held (each once, however many reports hold it). */
	internedIdCount(): number {
		return this.#ids.size;
	}

	async close(): Promise<void> {
		this.#waiters.releaseAll();
	}

	#requireWithinLimits(segmentIds: readonly string[]): void {
		if (segmentIds.length > this.#maxPerSession) {
			throw new RangeError(`a report may hold at most ${this.#maxPerSession} segment ids`);
		}
		for (const id of segmentIds) {
			if (id.length > this.#maxIdLength) throw new RangeError(`a segment id may be at most ${this.#maxIdLength} characters`);
		}
	}

	/** The report as the store keeps it: a frozen array of shared ids, counted. */
	#intern(segmentIds: readonly string[]): readonly string[] {
		if (segmentIds.length === 0) return noSegments;
		const ids = this.#ids;
		const report = segmentIds.map((id) => ids.acquire(id));
		this.#sessionBytes += reportBytes(report.length);
		return Object.freeze(report);
	}

	/** A report leaves the store: its ids lose a reference, its bytes are given back. */
	#let(report: readonly string[]): void {
		if (report.length === 0) return;
		for (const id of report) this.#ids.release(id);
		this.#sessionBytes -= reportBytes(report.length);
	}

	/**
	 * `#find`, trying first the slot `place` names: it is the session's when it is in use and holds the key, keys
	 * being unique among slots in use. `place` learns where the session was found (or `none`).
	 */
	#findFrom(place: StorePlace | undefined): number {
		if (place === undefined) return this.#find();
		const hinted = place.storeSlot;
		if (hinted >= 0 && hinted < this.#maxSessions && this.#reports[hinted] !== undefined && this.#holdsKey(hinted)) return hinted;
		const slot = this.#find();
		place.storeSlot = slot;
		return slot;
	}

	#holdsKey(slot: number): boolean {
		const words = this.#key.words;
		const keyWords = this.#keyWords;
		const at = 4 * slot;
		return keyWords[at] === words[0] && keyWords[at + 1] === words[1] && keyWords[at + 2] === words[2] && keyWords[at + 3] === words[3];
	}

	/** The slot holding the key in `#key`, or `none`. */
	#find(): number {
		const table = this.#keyTable;
		const mask = this.#keyTableMask;
		for (let entry = (this.#key.words[0] as number) & mask; ; entry = (entry + 1) & mask) {
			const slot = table[entry] as number;
			if (slot === none) return none;
			if (this.#holdsKey(slot)) return slot;
		}
	}

	#insertKey(slot: number): void {
		const table = this.#keyTable;
		const mask = this.#keyTableMask;
		let entry = (this.#keyWords[4 * slot] as number) & mask;
		while (table[entry] !== none) entry = (entry + 1) & mask;
		table[entry] = slot;
	}

	/** Takes the slot out of the key table, moving back the entries after it that its place let skip ahead. */
	#removeKey(slot: number): void {
		const table = this.#keyTable;
		const keyWords = this.#keyWords;
		const mask = this.#keyTableMask;
		let hole = (keyWords[4 * slot] as number) & mask;
		while (table[hole] !== slot) hole = (hole + 1) & mask;
		for (let entry = (hole + 1) & mask; table[entry] !== none; entry = (entry + 1) & mask) {
			const home = (keyWords[4 * (table[entry] as number)] as number) & mask;
			// The entry may fill the hole unless its home lies after the hole, up to the entry itself.
			if (((entry - home) & mask) >= ((entry - hole) & mask)) {
				table[hole] = table[entry] as number;
				hole = entry;
			}
		}
		table[hole] = none;
	}

	/** A slot for a new session: a free one, a never used one, or the least recently used session's. */
	#takeSlot(): number {
		if (this.#freeSlots === none && this.#unusedFrom < this.#maxSessions) return this.#unusedFrom++;
		if (this.#freeSlots === none) this.#evictOldest('sessions');
		const slot = this.#freeSlots;
		this.#freeSlots = this.#older[slot] as number;
		return slot;
	}

	#remove(slot: number): void {
		this.#removeKey(slot);
		// A free slot holds no key, so a place naming it can never be taken for a session's (see `#findFrom`).
		this.#keyWords.fill(0, 4 * slot, 4 * slot + 4);
		this.#unlink(slot);
		this.#let(this.#reports[slot] as readonly string[]);
		this.#reports[slot] = undefined;
		this.#older[slot] = this.#freeSlots;
		this.#freeSlots = slot;
		this.#size--;
	}

	#evictOldest(reason: EvictionReason): void {
		this.#remove(this.#oldest);
		this.#onEvict?.(reason);
	}

	/**
	 * Least recently used first, until the store is within `maxBytes` again. The report just written is the most
	 * recent and always fits: `maxBytes` has room for several of the largest (see memory-budget.ts).
	 */
	#evictPastMaxBytes(): void {
		while (this.bytesHeld() > this.#maxBytes && this.#size > 1) this.#evictOldest('bytes');
	}

	/** The slot becomes the most recently used. */
	#use(slot: number): void {
		if (slot === this.#newest) return;
		this.#unlink(slot);
		this.#linkNewest(slot);
	}

	#linkNewest(slot: number): void {
		this.#older[slot] = this.#newest;
		this.#newer[slot] = none;
		if (this.#newest === none) this.#oldest = slot;
		else this.#newer[this.#newest] = slot;
		this.#newest = slot;
	}

	#unlink(slot: number): void {
		const newer = this.#newer[slot] as number;
		const older = this.#older[slot] as number;
		if (newer === none) this.#newest = older;
		else this.#older[newer] = older;
		if (older === none) this.#oldest = newer;
		else this.#newer[older] = newer;
	}
}

function sameIds(held: readonly string[], segmentIds: readonly string[]): boolean {
	if (held.length !== segmentIds.length) return false;
	for (let index = 0; index < held.length; index++) if (held[index] !== segmentIds[index]) return false;
	return true;
}
