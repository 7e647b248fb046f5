import { describe, expect, it } from 'vitest';
import { measureStoreMemoryInChild } from '../../bench/memory.js';
import { MemorySegmentStore } from '../../server/store/memory-store.js';
import { sessionKeyOf } from '../../server/store/session-key.js';
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
