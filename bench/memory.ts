import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { MemorySegmentStore } from '../server/index.js';
import { sessionKeyOf } from '../server/store/session-key.js';
import { pickSegmentIds, segmentIdPool } from './fixtures.js';

export interface StoreMemory {
	sessions: number;
	segmentsPerSession: number;
	/** Heap of the empty store: lru-cache allocates its arrays for `maxSessions` up front. */
	emptyStoreBytes: number;
	/** Heap once filled, the empty store included. */
	filledStoreBytes: number;
	bytesPerSession: number;
	/** What the store counts against `maxBytes` per session (slots included): its conservative estimate. */
	countedBytesPerSession: number;
}

export interface LargestReportsMemory {
	maxBytes: number;
	/** Sessions written, each with a report of the largest kind: none of its ids shared. */
	sessionsWritten: number;
	sessionsHeld: number;
	/** Heap the store holds once the writes are done (after gc), its preallocated slots included. */
	heldBytes: number;
	/** What the store counts against `maxBytes`. */
	countedBytes: number;
	bytesPerSession: number;
	countedBytesPerSession: number;
}

/**
 * Runs a measurement in a child process started with `--expose-gc`, so nothing else is on its heap. From the
 * TypeScript sources (the tests), the child runs the source through tsx; from the build, the built child.
 */
async function measureInChild<T>(args: string[]): Promise<T> {
	const fromSource = import.meta.url.endsWith('.ts');
	const child = fileURLToPath(new URL(fromSource ? './memory-child.ts' : './memory-child.js', import.meta.url));
	const { stdout } = await promisify(execFile)(
		process.execPath,
		['--expose-gc', '--max-old-space-size=4096', ...(fromSource ? ['--import', 'tsx'] : []), child, ...args],
		{ encoding: 'utf8', maxBuffer: 1024 * 1024 },
	);
	return JSON.parse(stdout) as T;
}

export function measureStoreMemoryInChild(sessions: number, segmentsPerSession: number): Promise<StoreMemory> {
	return measureInChild(['typical', String(sessions), String(segmentsPerSession)]);
}

export function measureLargestReportsInChild(maxBytes: number, sessionsWritten: number): Promise<LargestReportsMemory> {
	return measureInChild(['largest', String(maxBytes), String(sessionsWritten)]);
}

function heapNow(): number {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('run with --expose-gc');
	gc();
	gc();
	// lru-cache keeps its bookkeeping in typed arrays, which live outside heapUsed.
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Fills the collector's in-process store as the segment listener does (session keys from UUID session ids,
 * segment ids parsed out of JSON bodies) and measures the heap it holds.
 */
export async function measureStoreMemory(sessions: number, segmentsPerSession: number): Promise<StoreMemory> {
	const pool = segmentIdPool();
	const before = heapNow();
	// Bounded by sessions only: this measures what sessions cost, not where the default maxBytes cuts in.
	const store = new MemorySegmentStore({ maxSessions: sessions, ttlSeconds: 1_800, maxBytes: Number.MAX_SAFE_INTEGER });
	const empty = heapNow();
	for (let index = 0; index < sessions; index++) {
		// A fresh parse per report, as from a request body: the store must not keep these copies.
		const segmentIds = JSON.parse(JSON.stringify(pickSegmentIds(pool, segmentsPerSession))) as string[];
		await store.write(sessionKeyOf(randomUUID()), segmentIds);
	}
	const filled = heapNow();
	if ((await store.sessionCount()) !== sessions) throw new Error('the store did not keep every session');
	return {
		sessions,
		segmentsPerSession,
		emptyStoreBytes: empty - before,
		filledStoreBytes: filled - before,
		bytesPerSession: (filled - before) / sessions,
		countedBytesPerSession: store.bytesHeld() / sessions,
	};
}

/**
 * The flood of the largest reports: `sessionsWritten` sessions each posting 200 distinct ids of 200 characters
 * past Latin-1 (two bytes each), into a store of `maxBytes`. Measures the heap held once it is done, which
 * `maxBytes` must bound.
 */
export async function measureLargestReports(maxBytes: number, sessionsWritten: number): Promise<LargestReportsMemory> {
	const maxPerSession = 200;
	const maxIdLength = 200;
	const before = heapNow();
	const store = new MemorySegmentStore({ maxSessions: 10_000, ttlSeconds: 1_800, maxBytes, maxPerSession, maxIdLength });
	for (let session = 0; session < sessionsWritten; session++) {
		const body = JSON.stringify(largestReport(session, maxPerSession, maxIdLength));
		await store.write(sessionKeyOf(randomUUID()), JSON.parse(body) as string[]);
	}
	const held = heapNow() - before;
	const sessionsHeld = await store.sessionCount();
	return {
		maxBytes,
		sessionsWritten,
		sessionsHeld,
		heldBytes: held,
		countedBytes: store.bytesHeld(),
		bytesPerSession: held / sessionsHeld,
		countedBytesPerSession: store.bytesHeld() / sessionsHeld,
	};
}

/** `count` distinct ids of `length` Cyrillic letters, unique to this session. */
export function largestReport(session: number, count: number, length: number): string[] {
	const prefix = `${session.toString(36)}-`;
	return Array.from({ length: count }, (_, index) => {
		const tag = `${prefix}${index.toString(36)}-`;
		return tag + 'ж'.repeat(length - tag.length);
	});
}
