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
}

/**
 * Runs `measureStoreMemory` in a child process started with `--expose-gc`, so nothing else is on its heap. From
 * the TypeScript sources (the tests), the child runs the source through tsx; from the build, the built child.
 */
export async function measureStoreMemoryInChild(sessions: number, segmentsPerSession: number): Promise<StoreMemory> {
	const fromSource = import.meta.url.endsWith('.ts');
	const child = fileURLToPath(new URL(fromSource ? './memory-child.ts' : './memory-child.js', import.meta.url));
	const { stdout } = await promisify(execFile)(
		process.execPath,
		['--expose-gc', '--max-old-space-size=4096', ...(fromSource ? ['--import', 'tsx'] : []), child, String(sessions), String(segmentsPerSession)],
		{ encoding: 'utf8', maxBuffer: 1024 * 1024 },
	);
	return JSON.parse(stdout) as StoreMemory;
}

/**
 * Fills the collector's in-process store as the segment listener does (session keys from UUID session ids,
 * segment ids parsed out of JSON bodies) and measures the heap it holds.
 */
export async function measureStoreMemory(sessions: number, segmentsPerSession: number): Promise<StoreMemory> {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('run with --expose-gc');
	const pool = segmentIdPool();
	const heapNow = (): number => {
		gc();
		gc();
		// lru-cache keeps its bookkeeping in typed arrays, which live outside heapUsed.
		const usage = process.memoryUsage();
		return usage.heapUsed + usage.arrayBuffers;
	};

	const before = heapNow();
	const store = new MemorySegmentStore({ maxSessions: sessions, ttlSeconds: 1_800 });
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
	};
}
