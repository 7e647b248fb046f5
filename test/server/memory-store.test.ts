import { describe, expect, it, vi } from 'vitest';
import { measureStoreMemoryInChild } from '../../bench/memory.js';
import { InternedIds } from '../../server/store/interned-ids.js';
import { type EvictionReason, MemorySegmentStore } from '../../server/store/memory-store.js';
import { sessionKeyOf } from '../../server/store/session-key.js';
import type { StorePlace, StoreRead } from '../../server/store/segment-store.js';
import { seededRandom } from '../seeded-random.js';
import { describeSegmentStoreContract } from './store-contract.js';

describeSegmentStoreContract('MemorySegmentStore', {
	create: async (options) => new MemorySegmentStore({ maxSessions: 10, ...options }),
	expiredRead: 'expired',
});

describe('MemorySegmentStore', () => {
	it('evicts the least recently reported session past maxSessions', async () => {
		const store = new MemorySegmentStore({ maxSessions: 2, ttlSeconds: 60 });
		await store.write('a', ['x']);
		await store.write('b', ['x']);
		await store.write('c', ['x']);
		expect((await store.read('a')).status).toBe('miss');
		expect(await store.sessionCount()).toBe(2);
	});

	it('refuses invalid limits loudly', () => {
		expect(() => new MemorySegmentStore({ maxSessions: 0, ttlSeconds: 60 })).toThrow(/maxSessions/);
		expect(() => new MemorySegmentStore({ maxSessions: 1, ttlSeconds: 1.5 })).toThrow(/ttlSeconds/);
	});

	it('keys sessions by a fixed-size digest, whatever the id length', () => {
		expect(sessionKeyOf('a')).toHaveLength(16);
		expect(sessionKeyOf('x'.repeat(4096))).toHaveLength(16);
		expect(sessionKeyOf('a')).not.toBe(sessionKeyOf('b'));
	});

	it('holds a million sessions of 5 segments in under 150 bytes each, counting at most 150', async () => {
		// The benchmark's measurement, in a process of its own so nothing else shares the heap it measures.
		const { bytesPerSession, countedBytesPerSession } = await measureStoreMemoryInChild(1_000_000, 5);
		console.log(
			`memory store: ${bytesPerSession.toFixed(1)} bytes per session at 1,000,000 sessions (counted ${countedBytesPerSession.toFixed(1)})`,
		);
		expect(bytesPerSession).toBeGreaterThan(50); // a measurement that found nothing would be a broken one
		expect(bytesPerSession).toBeLessThan(150);
		expect(countedBytesPerSession).toBeLessThanOrEqual(150);
		expect(countedBytesPerSession).toBeGreaterThanOrEqual(bytesPerSession);
	}, 180_000);

});

/** A clock the test turns by hand: expiry without waiting. */
function manualClock(startMs = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
	let nowMs = startMs;
	return { now: () => nowMs, advance: (ms) => (nowMs += ms) };
}

/** The ids as a request body's parse makes them: fresh strings, equal to but not the ones held. */
const parsed = (ids: string[]): string[] => JSON.parse(JSON.stringify(ids)) as string[];

describe('MemorySegmentStore: an unchanged report', () => {
	it('keeps the stored report as it is, refreshing only its time and time to live', () => {
		const clock = manualClock();
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60, clock: clock.now });
		const key = sessionKeyOf('visitor');
		store.write(key, parsed(['sports', 'news']));
		const first = store.read(key) as Extract<StoreRead, { status: 'hit' }>;
		const bytes = store.bytesHeld();
		const acquire = vi.spyOn(InternedIds.prototype, 'acquire');
		try {
			clock.advance(50_000);
			store.write(key, parsed(['sports', 'news']));
			// No rebuild and no interning: the very array held before, the same bytes.
			expect(acquire).not.toHaveBeenCalled();
		} finally {
			acquire.mockRestore();
		}
		const again = store.read(key) as Extract<StoreRead, { status: 'hit' }>;
		expect(again.segmentIds).toBe(first.segmentIds);
		expect(store.bytesHeld()).toBe(bytes);
		expect(store.internedIdCount()).toBe(2);
		expect(again.updatedAtMs).toBe(first.updatedAtMs + 50_000);
		// Past the first report's time to live, within the refreshed one.
		clock.advance(59_000);
		expect(store.read(key).status).toBe('hit');
		clock.advance(2_000);
		expect(store.read(key)).toEqual({ status: 'expired' });
	});

	it('is rebuilt when its ids or their order change', () => {
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60 });
		const key = sessionKeyOf('visitor');
		store.write(key, ['sports', 'news']);
		const first = store.read(key) as Extract<StoreRead, { status: 'hit' }>;
		store.write(key, ['news', 'sports']);
		const reordered = store.read(key) as Extract<StoreRead, { status: 'hit' }>;
		expect(reordered.segmentIds).toEqual(['news', 'sports']);
		expect(reordered.segmentIds).not.toBe(first.segmentIds);
		store.write(key, ['news']);
		expect(store.read(key)).toMatchObject({ segmentIds: ['news'] });
		expect(store.internedIdCount()).toBe(1);
	});
});

describe('MemorySegmentStore: held reports', () => {
	it('answers the array it holds, and refreshes it as writing its ids again would', () => {
		const clock = manualClock();
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60, clock: clock.now });
		const key = sessionKeyOf('visitor');
		const held = store.writeHeld(key, parsed(['sports', 'news']));
		expect(held).toEqual(['sports', 'news']);
		expect(store.read(key)).toMatchObject({ segmentIds: held });
		expect((store.read(key) as Extract<StoreRead, { status: 'hit' }>).segmentIds).toBe(held);
		expect(store.writeHeld(key, parsed(['sports', 'news']))).toBe(held);
		const bytes = store.bytesHeld();
		clock.advance(50_000);
		expect(store.refreshHeld(key, held)).toBe(true);
		expect(store.bytesHeld()).toBe(bytes);
		clock.advance(59_000);
		expect(store.read(key)).toMatchObject({ status: 'hit', updatedAtMs: clock.now() - 59_000 });
	});

	it('refreshes nothing once the session holds another report, or none', () => {
		const store = new MemorySegmentStore({ maxSessions: 2, ttlSeconds: 60 });
		const key = sessionKeyOf('visitor');
		const first = store.writeHeld(key, ['sports']);
		const second = store.writeHeld(key, ['news']);
		expect(store.refreshHeld(key, first)).toBe(false);
		expect(store.read(key)).toMatchObject({ segmentIds: ['news'] });
		// An equal array is not the one held.
		expect(store.refreshHeld(key, ['news'])).toBe(false);
		expect(store.refreshHeld(sessionKeyOf('another'), second)).toBe(false);
		store.write(sessionKeyOf('b'), ['x']);
		store.write(sessionKeyOf('c'), ['x']);
		expect(store.read(key).status).toBe('miss');
		expect(store.refreshHeld(key, second)).toBe(false);
		expect(store.read(key).status).toBe('miss');
	});
});

describe('MemorySegmentStore: the session table', () => {
	it('answers as a plain least-recently-used map with a time to live would, through any churn', () => {
		churn({ withPlaces: false });
	});

	it('answers the same when told where each session was found last, through any churn', () => {
		churn({ withPlaces: true });
	});

	it('finds a session whose place names a slot another session now holds', () => {
		const store = new MemorySegmentStore({ maxSessions: 1, ttlSeconds: 60 });
		const first: StorePlace = { storeSlot: -1 };
		const second: StorePlace = { storeSlot: -1 };
		const held = store.writeHeld(sessionKeyOf('first'), ['a'], first);
		expect(first.storeSlot).toBe(0);
		// The only slot goes to the second session.
		store.writeHeld(sessionKeyOf('second'), ['b'], second);
		expect(second.storeSlot).toBe(0);
		expect(store.readAt(sessionKeyOf('first'), first)).toEqual({ status: 'miss' });
		expect(first.storeSlot).toBe(-1);
		expect(store.refreshHeld(sessionKeyOf('first'), held, { storeSlot: 0 })).toBe(false);
		expect(store.readAt(sessionKeyOf('second'), second)).toMatchObject({ status: 'hit', segmentIds: ['b'] });
		// A place out of range, or made up, is only a hint.
		expect(store.readAt(sessionKeyOf('second'), { storeSlot: 5 })).toMatchObject({ segmentIds: ['b'] });
		expect(store.readAt(sessionKeyOf('second'), { storeSlot: -7 })).toMatchObject({ segmentIds: ['b'] });
	});

	it('keys any string, hashing one that is not a session key', () => {
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60 });
		store.write('k', ['a']);
		store.write('ķ'.repeat(16), ['b']);
		store.write('k'.repeat(16), ['c']);
		expect(store.read('k')).toMatchObject({ segmentIds: ['a'] });
		expect(store.read('ķ'.repeat(16))).toMatchObject({ segmentIds: ['b'] });
		expect(store.read('k'.repeat(16))).toMatchObject({ segmentIds: ['c'] });
		expect(store.read('j')).toEqual({ status: 'miss' });
	});
});

/**
 * Random writes, reads and clock turns on a store of 7 slots (a key table of 16 entries, so keys collide and wrap
 * around), checked at every step against a plain model: a Map in use order, each report with its time. With
 * places, every other step goes through the methods that take one (as the hot path's records do), each key
 * keeping its own: evictions hand slots to other keys, so places go stale all the time.
 */
function churn({ withPlaces }: { withPlaces: boolean }): void {
	const clock = manualClock();
	const maxSessions = 7;
	const ttlMs = 1_000;
	const evictions: EvictionReason[] = [];
	const store = new MemorySegmentStore({
		maxSessions,
		ttlSeconds: ttlMs / 1000,
		clock: clock.now,
		onEvict: (reason) => evictions.push(reason),
	});
	const model = new Map<string, { ids: string[]; at: number }>();
	let modelEvictions = 0;
	let expiredReads = 0;
	// The same steps every run.
	const random = seededRandom(0x2545f491);
	const keys = Array.from({ length: 24 }, (_, index) => sessionKeyOf(`session-${index}`));
	const idPool = ['a', 'b', 'c', 'd', 'e'];
	const places = new Map<string, StorePlace>(keys.map((key) => [key, { storeSlot: -1 }]));
	for (let step = 0; step < 20_000; step++) {
		const key = keys[random(keys.length)] as string;
		const action = random(10);
		// Every other step through a place, when places are used (the same random steps either way).
		const place = withPlaces && step % 2 === 0 ? places.get(key) : undefined;
		if (action < 5) {
			const ids = idPool.filter(() => random(2) === 0);
			if (place === undefined) store.write(key, ids);
			else store.writeHeld(key, ids, place);
			const held = model.get(key);
			model.delete(key);
			if (held === undefined && model.size === maxSessions) {
				model.delete(model.keys().next().value as string);
				modelEvictions++;
			}
			model.set(key, { ids, at: clock.now() });
		} else if (action < 9) {
			const held = model.get(key);
			const read = place === undefined ? store.read(key) : store.readAt(key, place);
			if (held === undefined) expect(read).toEqual({ status: 'miss' });
			else if (clock.now() - held.at > ttlMs) {
				expect(read).toEqual({ status: 'expired' });
				model.delete(key);
				expiredReads++;
			} else {
				expect(read).toEqual({ status: 'hit', segmentIds: held.ids, updatedAtMs: held.at });
				model.delete(key);
				model.set(key, held);
			}
		} else {
			clock.advance(random(8) === 0 ? 1_500 : random(100));
		}
	}
	expect(evictions).toEqual(Array.from({ length: modelEvictions }, () => 'sessions'));
	expect(modelEvictions).toBeGreaterThan(100);
	expect(expiredReads).toBeGreaterThan(100);
	for (const key of keys) store.read(key);
	clock.advance(ttlMs + 1);
	for (const key of keys) store.read(key);
	// Every report gone: every id interned for them gone too.
	expect(store.internedIdCount()).toBe(0);
}
