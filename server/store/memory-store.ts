import { LRUCache } from 'lru-cache';
import { InternedIds } from './interned-ids.js';
import { defaultMaxBytes, maxBytesProblem, reportBytes, sessionKeyBytes, storeSlotBytes } from './memory-budget.js';
import { ReportWaiters } from './report-waiters.js';
import type { SegmentStore, StoreRead } from './segment-store.js';

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
}

export type EvictionReason = 'bytes' | 'sessions';

// Most reports are empty on a first visit; they all share this one array.
const noSegments: readonly string[] = Object.freeze([]);

/**
 * Segments per session in one process: an LRU cache bounded by `maxSessions` and by `maxBytes`, each entry
 * living `ttlSeconds` after its last report. The report time is not stored: it is derived from the entry's
 * remaining time to live.
 *
 * Bytes are counted as reports come and go (lru-cache's `onInsert` and `dispose`), rather than with lru-cache's
 * `maxSize`, which would add a size slot to every session and could not count an id that sessions share once.
 */
export class MemorySegmentStore implements SegmentStore {
	readonly #cache: LRUCache<string, readonly string[]>;
	readonly #ttlMs: number;
	readonly #maxBytes: number;
	readonly #maxPerSession: number;
	readonly #maxIdLength: number;
	readonly #waiters: ReportWaiters;
	readonly #ids = new InternedIds();
	readonly #onEvict: ((reason: EvictionReason) => void) | undefined;
	/** Slots and sessions; the shared ids count in `#ids.bytes`. */
	#sessionBytes: number;
	#evictingForBytes = false;

	constructor({
		maxSessions,
		ttlSeconds,
		maxBytes = defaultMaxBytes,
		maxPerSession = 200,
		maxIdLength = 200,
		maxWaiters = 10_000,
		onEvict,
	}: MemoryStoreOptions) {
		if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new TypeError('maxSessions must be a positive integer');
		if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError('ttlSeconds must be a positive integer');
		if (!Number.isInteger(maxPerSession) || maxPerSession < 1) throw new TypeError('maxPerSession must be a positive integer');
		if (!Number.isInteger(maxIdLength) || maxIdLength < 1) throw new TypeError('maxIdLength must be a positive integer');
		if (!Number.isSafeInteger(maxBytes)) throw new TypeError('maxBytes must be a whole number of bytes');
		const problem = maxBytesProblem(maxBytes, { maxSessions, maxPerSession, maxIdLength });
		if (problem !== undefined) throw new TypeError(`maxBytes ${problem}`);
		this.#ttlMs = ttlSeconds * 1000;
		this.#maxBytes = maxBytes;
		this.#maxPerSession = maxPerSession;
		this.#maxIdLength = maxIdLength;
		this.#onEvict = onEvict;
		this.#sessionBytes = maxSessions * storeSlotBytes;
		this.#cache = new LRUCache({
			max: maxSessions,
			ttl: this.#ttlMs,
			ttlResolution: 0,
			onInsert: (segmentIds, sessionKey, reason) => this.#count(segmentIds, sessionKey, reason),
			dispose: (segmentIds, sessionKey, reason) => this.#forget(segmentIds, sessionKey, reason),
		});
		this.#waiters = new ReportWaiters(maxWaiters);
	}

	read(sessionKey: string): StoreRead {
		return this.#readNow(sessionKey);
	}

	/** Throws a RangeError for a report past `maxPerSession` ids or `maxIdLength` characters an id. */
	write(sessionKey: string, segmentIds: readonly string[]): void {
		this.#requireWithinLimits(segmentIds);
		const stored = segmentIds.length === 0 ? noSegments : Object.freeze(segmentIds.map((id) => this.#ids.acquire(id)));
		this.#cache.set(sessionKey, stored);
		this.#evictPastMaxBytes();
		this.#waiters.notify(sessionKey);
	}

	async waitForReport(sessionKey: string, timeoutMs: number): Promise<StoreRead> {
		const current = this.#readNow(sessionKey);
		if (current.status === 'hit') return current;
		await this.#waiters.wait(sessionKey, timeoutMs);
		return this.#readNow(sessionKey);
	}

	async sessionCount(): Promise<number> {
		return this.#cache.size;
	}

	/** Heap the store holds, as counted against `maxBytes`: slots, sessions and shared ids. */
	bytesHeld(): number {
		return this.#sessionBytes + this.#ids.bytes;
	}

	async close(): Promise<void> {
		this.#waiters.releaseAll();
	}

	#readNow(sessionKey: string): StoreRead {
		const status: LRUCache.Status<string, readonly string[]> = {};
		const segmentIds = this.#cache.get(sessionKey, { status });
		if (segmentIds === undefined) return status.get === 'stale' ? { status: 'expired' } : { status: 'miss' };
		// The lookup reports the remaining TTL in `status`: no second lookup of the key.
		const ageMs = this.#ttlMs - (status.remainingTTL ?? this.#ttlMs);
		return { status: 'hit', segmentIds, updatedAtMs: Date.now() - ageMs };
	}

	#requireWithinLimits(segmentIds: readonly string[]): void {
		if (segmentIds.length > this.#maxPerSession) {
			throw new RangeError(`a report may hold at most ${this.#maxPerSession} segment ids`);
		}
		for (const id of segmentIds) {
			if (id.length > this.#maxIdLength) throw new RangeError(`a segment id may be at most ${this.#maxIdLength} characters`);
		}
	}

	/**
	 * Least recently used first, until the store is within `maxBytes` again. The report just written is the most
	 * recent and always fits: `maxBytes` has room for several of the largest (see memory-budget.ts).
	 */
	#evictPastMaxBytes(): void {
		this.#evictingForBytes = true;
		try {
			while (this.bytesHeld() > this.#maxBytes && this.#cache.size > 1) this.#cache.pop();
		} finally {
			this.#evictingForBytes = false;
		}
	}

	/** A report enters the cache: for a new session (`add`), or in place of the session's last one. */
	#count(segmentIds: readonly string[], sessionKey: string, reason: LRUCache.InsertReason): void {
		if (reason === 'update') {
			// The very value held already (only the shared empty report can be): it was not disposed of, so its ids,
			// acquired again by `write`, are held twice.
			for (const id of segmentIds) this.#ids.release(id);
			return;
		}
		this.#sessionBytes += reportBytes(segmentIds.length);
		if (reason === 'add') this.#sessionBytes += sessionKeyBytes(sessionKey);
	}

	/** A report leaves the cache: replaced (`set`), evicted, expired or deleted. */
	#forget(segmentIds: readonly string[], sessionKey: string, reason: LRUCache.DisposeReason): void {
		this.#sessionBytes -= reportBytes(segmentIds.length);
		for (const id of segmentIds) this.#ids.release(id);
		if (reason === 'set') return; // the session stays, with its new report
		this.#sessionBytes -= sessionKeyBytes(sessionKey);
		if (reason === 'evict') this.#onEvict?.(this.#evictingForBytes ? 'bytes' : 'sessions');
	}
}
