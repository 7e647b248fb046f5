import type { SegmentLimits } from '../segments/segment-report.js';
import { arrayBytes, largestStringBytes, mapEntryBytes, objectBytes } from '../utils/heap-bytes.js';

/**
 * What the in-process store counts against `segments.maxBytes`: V8's cost of what it holds (see heap-bytes.ts),
 * so that the bound holds whatever clients send.
 */

/**
 * 256 MiB: a million sessions of a few segments each, leaving half of a 512 MB heap to the rest (rate windows,
 * session checks, waiters, requests in flight).
 */
export const defaultMaxBytes = 256 * 1024 * 1024;

/**
 * Allocated up front for each of the `maxSessions` slots, used or not (typed arrays and one array, see
 * memory-store.ts): the key's 16 bytes, the report time (8), the two links of the use order (4 each) and the
 * reference to the report (8).
 */
export const storeSlotBytes = 16 + 8 + 2 * 4 + 8;

/** The key table's entries: a power of two, at least twice `maxSessions`, so it is never more than half full. */
export function keyTableSlots(maxSessions: number): number {
	let slots = 8;
	while (slots < 2 * maxSessions) slots *= 2;
	return slots;
}

/**
 * What a store takes whatever it holds, beyond its slots: its own few objects, the id table's spare room and the
 * code its work compiles, which a measured heap finds too (tens of KiB, test/server/memory-bounds.test.ts).
 */
export const storeOverheadBytes = 256 * 1024;

/** What a store of `maxSessions` holds from the start: its slots, its key table (4 bytes an entry), its overhead. */
export function storeFixedBytes(maxSessions: number): number {
	return maxSessions * storeSlotBytes + keyTableSlots(maxSessions) * 4 + storeOverheadBytes;
}

/** A held report's array of id references (the ids themselves are shared); every empty report shares one. */
export function reportBytes(idCount: number): number {
	return idCount === 0 ? 0 : arrayBytes(idCount);
}

/**
 * The most one session can cost beyond its slot: a report of `maxPerSession` ids of `maxIdLength` characters
 * past Latin-1, none of them shared with another session.
 */
export function largestSessionBytes({ maxPerSession, maxIdLength }: SegmentLimits): number {
	const largestIdBytes = largestStringBytes(maxIdLength) + mapEntryBytes + objectBytes(2);
	return reportBytes(maxPerSession) + maxPerSession * largestIdBytes;
}

/** Sessions of the largest report a store must have room for, so that no single report can empty it. */
export const minLargestSessions = 10;

export interface StoreLimits extends SegmentLimits {
	maxSessions: number;
}

/** The least `maxBytes` a store of these limits works with: its slots, and room for `minLargestSessions`. */
export function leastMaxBytes(limits: StoreLimits): number {
	return storeFixedBytes(limits.maxSessions) + minLargestSessions * largestSessionBytes(limits);
}

/** Why `maxBytes` is below `leastMaxBytes`, in a sentence that names the limits it depends on. */
export function maxBytesProblem(maxBytes: number, limits: StoreLimits): string | undefined {
	const least = leastMaxBytes(limits);
	if (maxBytes >= least) return undefined;
	return (
		`must be at least ${least} bytes with maxSessions ${limits.maxSessions}, maxPerSession ${limits.maxPerSession} ` +
		`and maxIdLength ${limits.maxIdLength}: ${storeFixedBytes(limits.maxSessions)} bytes for the session slots, and room for ` +
		`${minLargestSessions} reports of the largest size (${largestSessionBytes(limits)} bytes each)`
	);
}
