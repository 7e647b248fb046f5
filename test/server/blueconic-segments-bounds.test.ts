import { describe, expect, it } from 'vitest';
import { silentLogSink } from '../../server/blueconic/log-sink.js';
import type { BlueConicSegmentsConfig } from '../../server/config/schema.js';
import { parseConfig } from '../../server/config/load.js';
import type { ProfileReader, ReadOutcome } from '../../server/blueconic-segments/profile-reader.js';
import { RequestGate } from '../../server/blueconic-segments/request-gate.js';
import { SegmentCache } from '../../server/blueconic-segments/segment-cache.js';
import { testConfig } from './collector-fixture.js';

/** A request that finishes when the test says so. */
function heldRequest(): { run: () => Promise<string>; finish: () => void } {
	let finish = () => {};
	const done = new Promise<string>((resolve) => (finish = () => resolve('done')));
	return { run: () => done, finish };
}

describe('RequestGate', () => {
	it('never has more than maxConcurrent requests in flight', async () => {
		const gate = new RequestGate({ maxConcurrent: 3, perSecond: 10_000, maxQueued: 100, now: Date.now });
		let inFlight = 0;
		let mostInFlight = 0;
		const held = Array.from({ length: 10 }, () => heldRequest());
		const results = held.map(({ run }) =>
			gate.run(async () => {
				inFlight++;
				mostInFlight = Math.max(mostInFlight, inFlight);
				try {
					return await run();
				} finally {
					inFlight--;
				}
			}),
		);
		expect(inFlight).toBe(3);
		// Finishing one lets exactly one more in; finish them in turn, checking the bound each time.
		for (const { finish } of held) {
			finish();
			await Promise.resolve();
			expect(inFlight).toBeLessThanOrEqual(3);
		}
		expect(await Promise.all(results)).toEqual(held.map(() => ({ status: 'ran', value: 'done' })));
		expect(mostInFlight).toBe(3);
		gate.close();
	});

	it('starts at most perSecond requests from a full bucket, then the rest as tokens come', async () => {
		const gate = new RequestGate({ maxConcurrent: 100, perSecond: 4, maxQueued: 100, now: Date.now });
		let started = 0;
		const results = Array.from({ length: 6 }, () => gate.run(async () => ++started));
		expect(started).toBe(4);
		expect((await Promise.all(results)).map((result) => result.status)).toEqual(Array(6).fill('ran'));
		expect(started).toBe(6);
		gate.close();
	});

	it('refuses a request past maxQueued (queue_full) and runs the ones it queued', async () => {
		const gate = new RequestGate({ maxConcurrent: 1, perSecond: 10_000, maxQueued: 2, now: Date.now });
		const first = heldRequest();
		const running = gate.run(first.run);
		const queued = [gate.run(async () => 'queued-1'), gate.run(async () => 'queued-2')];
		expect(await gate.run(async () => 'overflow')).toEqual({ status: 'refused', reason: 'queue_full' });
		first.finish();
		expect(await running).toEqual({ status: 'ran', value: 'done' });
		expect(await Promise.all(queued)).toEqual([
			{ status: 'ran', value: 'queued-1' },
			{ status: 'ran', value: 'queued-2' },
		]);
		// The queue has room again.
		expect(await gate.run(async () => 'after')).toEqual({ status: 'ran', value: 'after' });
		gate.close();
	});

	it('refuses what is queued, and what comes, while cooling off', async () => {
		let nowMs = 1_000_000;
		const gate = new RequestGate({ maxConcurrent: 1, perSecond: 10_000, maxQueued: 10, now: () => nowMs });
		const first = heldRequest();
		const running = gate.run(first.run);
		const queued = gate.run(async () => 'queued');
		gate.coolOff(5_000);
		expect(await queued).toEqual({ status: 'refused', reason: 'cooling_off' });
		expect(await gate.run(async () => 'during')).toEqual({ status: 'refused', reason: 'cooling_off' });
		first.finish();
		await running;
		nowMs += 5_000;
		expect(await gate.run(async () => 'after')).toEqual({ status: 'ran', value: 'after' });
		gate.close();
	});
});

/** A reader for `<name>@example.com` → `profile-<name>`, with `segmentsPerProfile` ids each; counts its calls. */
function countingReader(segmentsPerProfile: number): ProfileReader & { searches: string[]; segmentReads: string[] } {
	const searches: string[] = [];
	const segmentReads: string[] = [];
	return {
		searches,
		segmentReads,
		async findProfileId(email): Promise<ReadOutcome<string>> {
			searches.push(email);
			return { status: 'ok', value: `profile-${email.split('@')[0]}` };
		},
		async readSegmentIds(profileId): Promise<ReadOutcome<string[]>> {
			segmentReads.push(profileId);
			return { status: 'ok', value: Array.from({ length: segmentsPerProfile }, (_, index) => `segment-${index}`) };
		},
	};
}

function cacheWith(settings: Partial<BlueConicSegmentsConfig>, reader: ProfileReader): { cache: SegmentCache; gate: RequestGate } {
	const defaults = parseConfig(testConfig()).segments.blueconic;
	const gate = new RequestGate({ maxConcurrent: 100, perSecond: 10_000, maxQueued: 1_000, now: Date.now });
	const cache = new SegmentCache({ config: { ...defaults, ...settings }, reader, gate, now: Date.now, logger: silentLogSink });
	return { cache, gate };
}

const budgetMs = 30_000;

describe('SegmentCache bounds', () => {
	it('holds at most maxProfiles entries: the least recently used profile is read again', async () => {
		const reader = countingReader(1);
		const { cache, gate } = cacheWith({ maxProfiles: 3 }, reader);
		for (const name of ['a', 'b', 'c']) expect((await cache.lookup(`${name}@example.com`, budgetMs)).status).toBe('segments');
		// All three held: no further read.
		for (const name of ['a', 'b', 'c']) await cache.lookup(`${name}@example.com`, budgetMs);
		expect(reader.searches).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);

		await cache.lookup('d@example.com', budgetMs); // evicts a, the least recently used
		await cache.lookup('d@example.com', budgetMs);
		await cache.lookup('a@example.com', budgetMs);
		expect(reader.searches).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'a@example.com']);
		expect(reader.segmentReads).toEqual(['profile-a', 'profile-b', 'profile-c', 'profile-d', 'profile-a']);
		gate.close();
	});

	it('holds at most maxBytes: small entries fit, an entry larger than its share is not kept', async () => {
		// 4,000 bytes: 2,000 per cache. A profile id entry is about 250 bytes; a segments entry with 40 ids about 3,000.
		const small = countingReader(1);
		const { cache: fitting, gate: fittingGate } = cacheWith({ maxBytes: 4_000 }, small);
		const names = Array.from({ length: 20 }, (_, index) => `reader-${index}`);
		for (const name of names) await fitting.lookup(`${name}@example.com`, budgetMs);
		expect(small.searches).toHaveLength(20);
		// At most 2,000 / 250 = 8 profile ids fit: the 20 emails again are mostly read again, the last ones not.
		for (const name of names.slice(-4)) await fitting.lookup(`${name}@example.com`, budgetMs);
		expect(small.searches).toHaveLength(20);
		for (const name of names.slice(0, 4)) await fitting.lookup(`${name}@example.com`, budgetMs);
		expect(small.searches).toHaveLength(24);
		fittingGate.close();

		const large = countingReader(40);
		const { cache: overflowing, gate: overflowingGate } = cacheWith({ maxBytes: 4_000 }, large);
		for (let lookup = 0; lookup < 3; lookup++) {
			const answer = await overflowing.lookup('big@example.com', budgetMs);
			expect(answer.status === 'segments' && answer.segmentIds.size).toBe(40);
		}
		// The profile id is kept; the segments entry is over the cache's share, so each lookup reads the segments again.
		expect(large.searches).toEqual(['big@example.com']);
		expect(large.segmentReads).toEqual(['profile-big', 'profile-big', 'profile-big']);
		overflowingGate.close();
	});
});
