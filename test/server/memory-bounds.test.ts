import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { largestReport, measureLargestReportsInChild, measureStoreMemoryInChild } from '../../bench/memory.js';
import { parseConfig } from '../../server/config/load.js';
import { ConfigError } from '../../server/errors/config-error.js';
import { windowBytes } from '../../server/http/rate-limit.js';
import { recordBytes } from '../../server/sessions/session-records.js';
import { InternedIds } from '../../server/store/interned-ids.js';
import { largestSessionBytes, leastMaxBytes, storeFixedBytes } from '../../server/store/memory-budget.js';
import { type EvictionReason, MemorySegmentStore } from '../../server/store/memory-store.js';
import { sessionKeyOf } from '../../server/store/session-key.js';

// Small limits, so that a few dozen reports of the largest kind fill the store.
const limits = { maxSessions: 1_000, maxPerSession: 20, maxIdLength: 50 };
const roomForLargest = 20;
const maxBytes = storeFixedBytes(limits.maxSessions) + roomForLargest * largestSessionBytes(limits);

function storeOfLimits(onEvict?: (reason: EvictionReason) => void): MemorySegmentStore {
	return new MemorySegmentStore({ ...limits, ttlSeconds: 600, maxBytes, ...(onEvict ? { onEvict } : {}) });
}

const keyOf = (index: number) => sessionKeyOf(`session-${index}`);
const largest = (index: number) => largestReport(index, limits.maxPerSession, limits.maxIdLength);

describe('MemorySegmentStore within maxBytes', () => {
	it('never counts more than maxBytes, evicting the least recently used sessions first', async () => {
		const evictions: EvictionReason[] = [];
		const store = storeOfLimits((reason) => evictions.push(reason));
		const written = 5 * roomForLargest;
		for (let index = 0; index < written; index++) {
			await store.write(keyOf(index), largest(index));
			expect(store.bytesHeld()).toBeLessThanOrEqual(maxBytes);
		}
		const held = await store.sessionCount();
		expect(held).toBeGreaterThanOrEqual(roomForLargest - 1);
		expect(held).toBeLessThan(written);
		expect(evictions).toEqual(Array.from({ length: written - held }, () => 'bytes'));
		// Exactly the last `held` sessions are left, each with its whole report.
		for (let index = 0; index < written - held; index++) expect((await store.read(keyOf(index))).status).toBe('miss');
		for (let index = written - held; index < written; index++) {
			const read = await store.read(keyOf(index));
			expect(read.status === 'hit' && read.segmentIds).toEqual(largest(index));
		}
	});

	it('keeps a session that is read, as reads count as use', async () => {
		const store = storeOfLimits();
		await store.write(keyOf(0), largest(0));
		for (let index = 1; index < 5 * roomForLargest; index++) {
			await store.write(keyOf(index), largest(index));
			await store.read(keyOf(0));
		}
		expect((await store.read(keyOf(0))).status).toBe('hit');
	});

	it('counts evictions past maxSessions as such', async () => {
		const evictions: EvictionReason[] = [];
		const store = new MemorySegmentStore({ maxSessions: 2, ttlSeconds: 60, onEvict: (reason) => evictions.push(reason) });
		for (const key of ['a', 'b', 'c']) await store.write(key, ['x']);
		expect(evictions).toEqual(['sessions']);
	});

	it('gives back every byte of the reports it lets go: replaced, evicted or expired', async () => {
		const store = new MemorySegmentStore({ ...limits, ttlSeconds: 1, maxBytes });
		const empty = store.bytesHeld();
		expect(empty).toBe(storeFixedBytes(limits.maxSessions));
		for (let index = 0; index < 3 * roomForLargest; index++) await store.write(keyOf(index), largest(index));
		await store.write(keyOf(0), ['sports', 'news']);
		await store.write(keyOf(0), ['sports']);
		await store.write(keyOf(1), []);
		await store.write(keyOf(1), []);
		// Reading an expired session drops it.
		await expect.poll(async () => (await store.read(keyOf(0))).status, { timeout: 10_000 }).toBe('expired');
		for (let index = 0; index < 3 * roomForLargest; index++) await store.read(keyOf(index));
		expect(await store.sessionCount()).toBe(0);
		expect(store.bytesHeld()).toBe(empty);
	});

	it('counts a session of the empty report at its slot alone, and a report of shared ids at its references alone', async () => {
		const store = storeOfLimits();
		const empty = store.bytesHeld();
		// The key lives in the slot allocated at start: a session of the empty report costs nothing more.
		await store.write(keyOf(0), []);
		expect(store.bytesHeld()).toBe(empty);
		await store.write(keyOf(1), ['sports', 'news']);
		const withIds = store.bytesHeld();
		await store.write(keyOf(2), ['sports', 'news']);
		// The second session shares both ids: it adds its array of two references, nothing for the ids.
		expect(store.bytesHeld() - withIds).toBe(48 + 2 * 8);
	});

	it('refuses a report past the limits it was built for, keeping what it holds', async () => {
		const store = storeOfLimits();
		await store.write('k', ['a']);
		const bytes = store.bytesHeld();
		expect(() => store.write('k', largest(0).concat(['one more']))).toThrow(RangeError);
		expect(() => store.write('k', ['x'.repeat(limits.maxIdLength + 1)])).toThrow(RangeError);
		const read = await store.read('k');
		expect(read.status === 'hit' && read.segmentIds).toEqual(['a']);
		expect(store.bytesHeld()).toBe(bytes);
	});

	it('refuses a maxBytes without room for its slots and several of the largest reports', () => {
		const least = leastMaxBytes(limits);
		expect(() => new MemorySegmentStore({ ...limits, ttlSeconds: 60, maxBytes: least - 1 })).toThrow(
			/maxBytes must be at least \d+ bytes with maxSessions 1000, maxPerSession 20 and maxIdLength 50/,
		);
		expect(() => new MemorySegmentStore({ ...limits, ttlSeconds: 60, maxBytes: least })).not.toThrow();
		// The default (256 MiB) cannot hold ten million slots.
		expect(() => new MemorySegmentStore({ maxSessions: 10_000_000, ttlSeconds: 60 })).toThrow(/maxBytes/);
	});
});

describe('InternedIds', () => {
	it('lets junk ids go with the reports that held them, and keeps real ids shared through any flood of junk', () => {
		const ids = new InternedIds();
		const sports = ids.acquire('sports');
		const realBytes = ids.bytes;
		for (let index = 0; index < 200_000; index++) ids.release(ids.acquire(`junk-${index}`));
		expect(ids.size).toBe(1);
		expect(ids.bytes).toBe(realBytes);
		// Still held, and shared: acquiring it again costs nothing.
		expect(ids.acquire('sports')).toBe(sports);
		expect(ids.bytes).toBe(realBytes);
		ids.release('sports');
		ids.release('sports');
		expect(ids.size).toBe(0);
		expect(ids.bytes).toBe(0);
	});
});

describe('the segments.maxBytes setting', () => {
	const minimal = { session: { validate: { type: 'memory' } }, sites: '*' };

	function problemsOf(segments: object): readonly string[] {
		try {
			parseConfig({ ...minimal, segments }, {});
		} catch (error) {
			if (error instanceof ConfigError) return error.problems;
			throw error;
		}
		return [];
	}

	it('defaults to 256 MiB', () => {
		expect(parseConfig(minimal, {}).segments.maxBytes).toBe(256 * 1024 * 1024);
	});

	it('must leave room for the slots of maxSessions and ten of the largest reports, naming both', () => {
		const [problem, ...others] = problemsOf({ maxBytes: 32 * 1024 * 1024 });
		expect(others).toEqual([]);
		expect(problem).toMatch(/^segments\.maxBytes: must be at least 49803232 bytes with maxSessions 1000000, /);
		expect(problem).toContain('room for 10 reports of the largest size (115248 bytes each)');
		expect(problemsOf({ maxBytes: 8 * 1024 * 1024, maxSessions: 10_000 })).toEqual([]);
		// Larger reports need more room.
		expect(problemsOf({ maxBytes: 8 * 1024 * 1024, maxSessions: 10_000, maxPerSession: 2_000 })[0]).toMatch(/^segments\.maxBytes: /);
	});

	it('is not checked against limits that are themselves invalid', () => {
		expect(problemsOf({ maxBytes: 1_000, maxSessions: 0 })).toEqual(['segments.maxSessions: must be greater than 0']);
		expect(problemsOf({ maxBytes: 1.5 })).toEqual(['segments.maxBytes: must be a whole number']);
	});
});

/** Runs test/server/heap-child.ts with --expose-gc: the heap a rate limiter's windows, report waiters or session records hold. */
async function measureInChild(kind: 'windows' | 'waiters' | 'records', count: number): Promise<{ count: number; bytesEach: number }> {
	const child = fileURLToPath(new URL('./heap-child.ts', import.meta.url));
	const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', child, kind, String(count)], {
		encoding: 'utf8',
	});
	return JSON.parse(stdout) as { count: number; bytesEach: number };
}

describe('measured heaps (each in a process of its own)', () => {
	it('holds no more heap than maxBytes under a flood of the largest reports, however many are written', async () => {
		const flood = await measureLargestReportsInChild(8 * 1024 * 1024, 1_000);
		console.log(
			`largest reports (200 ids × 200 characters): ${Math.round(flood.bytesPerSession)} bytes per session held ` +
				`(counted ${Math.round(flood.countedBytesPerSession)}), ${flood.sessionsHeld} sessions in ${flood.heldBytes} bytes`,
		);
		expect(flood.sessionsHeld).toBeGreaterThanOrEqual(10);
		expect(flood.sessionsHeld).toBeLessThan(flood.sessionsWritten);
		expect(flood.heldBytes).toBeGreaterThan(flood.maxBytes / 2); // a measurement that found nothing would be a broken one
		expect(flood.heldBytes).toBeLessThanOrEqual(flood.countedBytes);
		expect(flood.countedBytes).toBeLessThanOrEqual(flood.maxBytes);
	}, 120_000);

	it('counts at least the heap typical sessions hold, under 150 bytes each', async () => {
		const typical = await measureStoreMemoryInChild(200_000, 5);
		expect(typical.bytesPerSession).toBeGreaterThan(50);
		expect(typical.countedBytesPerSession).toBeGreaterThanOrEqual(typical.bytesPerSession);
		// No object per session but its report (memory-store.ts): 40 bytes of slot, 10.5 of key table, 88 of report.
		expect(typical.countedBytesPerSession).toBeLessThan(150);
	}, 120_000);

	it('holds rate windows of one size, within windowBytes each, however many sessions post', async () => {
		const windows = await measureInChild('windows', 100_000);
		console.log(`rate windows: ${Math.round(windows.bytesEach)} bytes each (counted ${windowBytes})`);
		expect(windows.bytesEach).toBeGreaterThan(50);
		expect(windows.bytesEach).toBeLessThanOrEqual(windowBytes);
	}, 120_000);

	it('holds session records at their largest within recordBytes each, however many cookies come', async () => {
		const records = await measureInChild('records', 20_000);
		console.log(`session records at their largest: ${Math.round(records.bytesEach)} bytes each (counted ${recordBytes})`);
		expect(records.bytesEach).toBeGreaterThan(recordBytes / 2);
		expect(records.bytesEach).toBeLessThanOrEqual(recordBytes);
	}, 120_000);

	it('holds report waiters within 1.5 KiB each, however many callers wait', async () => {
		const waiters = await measureInChild('waiters', 10_000);
		console.log(`report waiters: ${Math.round(waiters.bytesEach)} bytes each`);
		expect(waiters.bytesEach).toBeGreaterThan(100);
		expect(waiters.bytesEach).toBeLessThanOrEqual(1_536);
	}, 120_000);
});
