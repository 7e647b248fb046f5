/**
 * Prints the heap bytes the memory store costs per session, holding `SESSIONS` sessions of 5 segments each.
 * Run in its own process with `node --expose-gc --import tsx`, so nothing else shares the heap it measures.
 */
import { randomUUID } from 'node:crypto';
import { MemorySegmentStore } from '../../server/store/memory-store.js';
import { sessionKeyOf } from '../../server/store/session-key.js';

const sessions = Number(process.env.SESSIONS ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function usedBytes(): number {
	gc!();
	gc!();
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

// Segment ids as BlueConic has them (UUIDs), from a site's pool of 200; each report arrives as its own JSON body.
const segmentPool = Array.from({ length: 200 }, () => randomUUID());

const before = usedBytes();
const store = new MemorySegmentStore({ maxSessions: sessions, ttlSeconds: 1_800 });
for (let i = 0; i < sessions; i++) {
	const body = JSON.stringify(Array.from({ length: 5 }, (_, j) => segmentPool[(i * 7 + j * 13) % segmentPool.length]));
	await store.write(sessionKeyOf(randomUUID()), JSON.parse(body) as string[]);
}
const after = usedBytes();
if ((await store.sessionCount()) !== sessions) throw new Error('the store did not keep every session');
process.stdout.write(`${JSON.stringify({ sessions, bytesPerSession: (after - before) / sessions })}\n`);
