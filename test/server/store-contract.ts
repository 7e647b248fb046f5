import { afterEach, describe, expect, it } from 'vitest';
import type { SegmentStore, StoreRead } from '../../server/store/segment-store.js';

export interface StoreUnderTest {
	/** A new, empty store. */
	create(options: { ttlSeconds: number; maxWaiters?: number }): Promise<SegmentStore>;
	/** What a read answers once a report's time to live ran out: Redis drops the key, so `miss` there. */
	expiredRead: StoreRead['status'];
}

/**
 * What every `SegmentStore` does, whether it keeps reports in this process or in Redis: the cases run once per
 * store (test/server/memory-store.test.ts, test/redis/redis-store.test.ts).
 */
/**
 * Longer than any test may run (vitest.config.ts: 30 s): a waiter given this wait can only answer before the test
 * times out if something other than its timer released it, so the cases need no clock to prove "at once".
 */
const longerThanTheTest = 120_000;

export function describeSegmentStoreContract(name: string, { create, expiredRead }: StoreUnderTest): void {
	describe(`${name}: the SegmentStore contract`, () => {
		const opened: SegmentStore[] = [];
		const open = async (options: { ttlSeconds: number; maxWaiters?: number }): Promise<SegmentStore> => {
			const store = await create(options);
			opened.push(store);
			return store;
		};
		afterEach(async () => {
			await Promise.all(opened.splice(0).map((store) => store.close()));
		});

		it('reads hit after a write, miss before', async () => {
			const store = await open({ ttlSeconds: 60 });
			expect(await store.read('k')).toEqual({ status: 'miss' });
			const beforeWrite = Date.now();
			await store.write('k', ['a', 'b']);
			const read = await store.read('k');
			const afterRead = Date.now();
			expect(read.status).toBe('hit');
			expect(read.status === 'hit' && read.segmentIds).toEqual(['a', 'b']);
			// The time of the write, whatever the machine's speed: not before it began, not after the read. The memory
			// store derives it from the cache's monotonic clock, so a few milliseconds of rounding are allowed.
			const clockSlackMs = 5;
			const updatedAt = read.status === 'hit' ? read.updatedAtMs : Number.NaN;
			expect(updatedAt).toBeGreaterThanOrEqual(beforeWrite - clockSlackMs);
			expect(updatedAt).toBeLessThanOrEqual(afterRead + clockSlackMs);
		});

		it('holds an empty report as a hit with no segments, distinct from no report', async () => {
			const store = await open({ ttlSeconds: 60 });
			await store.write('k', []);
			expect(await store.read('k')).toMatchObject({ status: 'hit', segmentIds: [] });
			expect(await store.read('other')).toEqual({ status: 'miss' });
		});

		it('keeps only the last report of a session, and sessions apart', async () => {
			const store = await open({ ttlSeconds: 60 });
			await store.write('k', ['a', 'b']);
			await store.write('other', ['c']);
			await store.write('k', ['b', 'ünïcode id', 'x'.repeat(200)]);
			expect(await store.read('k')).toMatchObject({ status: 'hit', segmentIds: ['b', 'ünïcode id', 'x'.repeat(200)] });
			expect(await store.read('other')).toMatchObject({ status: 'hit', segmentIds: ['c'] });
		});

		it(`reads ${expiredRead} once the time to live has run out`, async () => {
			const store = await open({ ttlSeconds: 1 });
			await store.write('k', ['a']);
			expect((await store.read('k')).status).toBe('hit');
			await expect.poll(() => store.read('k'), { timeout: 15_000, interval: 100 }).toEqual({ status: expiredRead });
		});

		it('counts the sessions it holds', async () => {
			const store = await open({ ttlSeconds: 60 });
			expect(await store.sessionCount()).toBe(0);
			await store.write('a', ['x']);
			await store.write('b', []);
			await store.write('a', ['y']);
			expect(await store.sessionCount()).toBe(2);
		});

		it('lets a waiter go as soon as the first report arrives', async () => {
			const store = await open({ ttlSeconds: 60 });
			// A wait that ran out would read the report too: only the report itself can end this one in time.
			const waiting = store.waitForReport('k', longerThanTheTest);
			await store.write('k', ['a']);
			expect(await waiting).toMatchObject({ status: 'hit', segmentIds: ['a'] });
		});

		it('answers a waiter at once when a report is already held', async () => {
			const store = await open({ ttlSeconds: 60 });
			await store.write('k', []);
			expect(await store.waitForReport('k', longerThanTheTest)).toMatchObject({ status: 'hit', segmentIds: [] });
		});

		it('answers a waiter with the state at the end of its wait', async () => {
			const store = await open({ ttlSeconds: 60 });
			expect(await store.waitForReport('k', 20)).toEqual({ status: 'miss' });
		});

		// The bound holds whichever waiter comes first, so the cases race them rather than assume an order.
		it('answers waiters past maxWaiters at once instead of holding them', async () => {
			const store = await open({ ttlSeconds: 60, maxWaiters: 1 });
			const waits = [store.waitForReport('k', longerThanTheTest), store.waitForReport('j', longerThanTheTest)];
			expect(await Promise.race(waits)).toEqual({ status: 'miss' });
			await store.close(); // releases the held waiter
			expect(await Promise.all(waits)).toEqual([{ status: 'miss' }, { status: 'miss' }]);
		});

		it('answers at once past 10 waiters for one session, without taking waits from other sessions', async () => {
			const store = await open({ ttlSeconds: 60 });
			const greedy = Array.from({ length: 11 }, () => store.waitForReport('greedy', longerThanTheTest));
			expect(await Promise.race(greedy)).toEqual({ status: 'miss' });
			const other = store.waitForReport('other', longerThanTheTest);
			await store.write('other', ['a']);
			expect((await other).status).toBe('hit');
			await store.close();
			await Promise.all(greedy);
		});

		it('refuses an invalid time to live loudly', async () => {
			await expect(open({ ttlSeconds: 1.5 })).rejects.toThrow(/ttlSeconds/);
			await expect(open({ ttlSeconds: 0 })).rejects.toThrow(/ttlSeconds/);
		});
	});
}
