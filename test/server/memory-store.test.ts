import { describe, expect, it } from 'vitest';
import { measureStoreMemoryInChild } from '../../bench/memory.js';
import { MemorySegmentStore } from '../../server/store/memory-store.js';
import { sessionKeyOf } from '../../server/store/session-key.js';

describe('MemorySegmentStore', () => {
	it('reads hit after a write, miss before', async () => {
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60 });
		expect(await store.read('k')).toEqual({ status: 'miss' });
		await store.write('k', ['a', 'b']);
		const read = await store.read('k');
		expect(read.status).toBe('hit');
		expect(read.status === 'hit' && read.segmentIds).toEqual(['a', 'b']);
		expect(read.status === 'hit' && Math.abs(read.updatedAt.getTime() - Date.now())).toBeLessThan(1000);
	});

	it('reads expired once the time to live has run out', async () => {
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 1 });
		await store.write('k', ['a']);
		await new Promise((resolve) => setTimeout(resolve, 1_050));
		expect(await store.read('k')).toEqual({ status: 'expired' });
	});

	it('evicts the least recently reported session past maxSessions', async () => {
		const store = new MemorySegmentStore({ maxSessions: 2, ttlSeconds: 60 });
		await store.write('a', ['x']);
		await store.write('b', ['x']);
		await store.write('c', ['x']);
		expect((await store.read('a')).status).toBe('miss');
		expect(await store.sessionCount()).toBe(2);
	});

	it('lets a waiter go as soon as the first report arrives', async () => {
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60 });
		const waiting = store.waitForReport('k', 5_000);
		await store.write('k', ['a']);
		expect((await waiting).status).toBe('hit');
	});

	it('answers a waiter with the state at the end of its wait', async () => {
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60 });
		expect(await store.waitForReport('k', 20)).toEqual({ status: 'miss' });
	});

	it('answers waiters past maxWaiters at once instead of holding them', async () => {
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60, maxWaiters: 1 });
		const first = store.waitForReport('k', 5_000);
		const startedAt = Date.now();
		expect(await store.waitForReport('k', 5_000)).toEqual({ status: 'miss' });
		expect(Date.now() - startedAt).toBeLessThan(1_000);
		await store.close(); // releases the first waiter
		expect(await first).toEqual({ status: 'miss' });
	});

	it('answers at once past 10 waiters for one session, without taking waits from other sessions', async () => {
		const store = new MemorySegmentStore({ maxSessions: 10, ttlSeconds: 60 });
		const held = Array.from({ length: 10 }, () => store.waitForReport('greedy', 5_000));
		const startedAt = Date.now();
		expect(await store.waitForReport('greedy', 5_000)).toEqual({ status: 'miss' });
		expect(Date.now() - startedAt).toBeLessThan(1_000);
		const other = store.waitForReport('other', 5_000);
		await store.write('other', ['a']);
		expect((await other).status).toBe('hit');
		await store.close();
		await Promise.all(held);
	});

	it('refuses invalid limits loudly', () => {
		expect(() => new MemorySegmentStore({ maxSessions: 0, ttlSeconds: 60 })).toThrow(/maxSessions/);
		expect(() => new MemorySegmentStore({ maxSessions: 1, ttlSeconds: 1.5 })).toThrow(/ttlSeconds/);
	});

	it('keys sessions by a fixed-size digest, whatever the id length', () => {
		expect(sessionKeyOf('a')).toHaveLength(43);
		expect(sessionKeyOf('x'.repeat(4096))).toHaveLength(43);
		expect(sessionKeyOf('a')).not.toBe(sessionKeyOf('b'));
	});

	it('holds a million sessions of 5 segments in under 300 bytes each', async () => {
		// The benchmark's measurement, in a process of its own so nothing else shares the heap it measures.
		const { bytesPerSession } = await measureStoreMemoryInChild(1_000_000, 5);
		console.log(`memory store: ${bytesPerSession.toFixed(1)} bytes per session at 1,000,000 sessions`);
		expect(bytesPerSession).toBeGreaterThan(50); // a measurement that found nothing would be a broken one
		expect(bytesPerSession).toBeLessThan(300);
	}, 120_000);
});
