import { LRUCache } from 'lru-cache';
import { InternedIds } from './interned-ids.js';
import { ReportWaiters } from './report-waiters.js';
import type { SegmentStore, StoreRead } from './segment-store.js';

export interface MemoryStoreOptions {
	maxSessions: number;
	ttlSeconds: number;
	/** Bound on concurrent `waitForReport` callers. */
	maxWaiters?: number;
}

/** Bound on distinct segment ids shared between sessions. */
const maxInternedIds = 100_000;

// Most reports are empty on a first visit; they all share this one array.
const noSegments: readonly string[] = Object.freeze([]);

/**
 * Segments per session in one process: an LRU cache bounded by `maxSessions`, each entry living `ttlSeconds`
 * after its last report. The report time is not stored: it is derived from the entry's remaining time to live.
 */
export class MemorySegmentStore implements SegmentStore {
	readonly #cache: LRUCache<string, readonly string[]>;
	readonly #ttlMs: number;
	readonly #waiters: ReportWaiters;
	readonly #ids: InternedIds;

	constructor({ maxSessions, ttlSeconds, maxWaiters = 10_000 }: MemoryStoreOptions) {
		if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new TypeError('maxSessions must be a positive integer');
		if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError('ttlSeconds must be a positive integer');
		this.#ttlMs = ttlSeconds * 1000;
		this.#cache = new LRUCache({ max: maxSessions, ttl: this.#ttlMs, ttlResolution: 0 });
		this.#waiters = new ReportWaiters(maxWaiters);
		this.#ids = new InternedIds(maxInternedIds);
	}

	async read(sessionKey: string): Promise<StoreRead> {
		return this.#readNow(sessionKey);
	}

	async write(sessionKey: string, segmentIds: readonly string[]): Promise<void> {
		const stored = segmentIds.length === 0 ? noSegments : Object.freeze(segmentIds.map((id) => this.#ids.intern(id)));
		this.#cache.set(sessionKey, stored);
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

	async close(): Promise<void> {
		this.#waiters.releaseAll();
	}

	#readNow(sessionKey: string): StoreRead {
		const status: LRUCache.Status<string, readonly string[]> = {};
		const segmentIds = this.#cache.get(sessionKey, { status });
		if (segmentIds === undefined) return status.get === 'stale' ? { status: 'expired' } : { status: 'miss' };
		// The lookup reports the remaining TTL in `status`: no second lookup of the key.
		const ageMs = this.#ttlMs - (status.remainingTTL ?? this.#ttlMs);
		return { status: 'hit', segmentIds, updatedAt: new Date(Date.now() - ageMs) };
	}
}
