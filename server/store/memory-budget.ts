import type { SegmentLimits } from '../segments/segment-report.js';
import { arrayBytes, largestStringBytes, lruSlotBytes, mapEntryBytes, objectBytes, stringBytes } from '../utils/heap-bytes.js';

/**
 * What the in-process store counts against `segments.maxBytes`: V8's cost of what it holds (see heap-bytes.ts),
 * so that the bound holds whatever clients send.
 */

/**
 * 256 MiB: a million sessions of a few segments each, leaving half of a 512 MB heap to the rest (rate windows,
 * session checks, waiters, requests in flight).
 */
export const defaultMaxBytes = 256 * 1024 * 1024;

/** Allocated up front for each of the `maxSessions` slots, used or not. */
export const storeSlotBytes = lruSlotBytes({ ttl: true });

// A session key as the routes make them: 43 base64url characters (see sessionKeyOf).
const routeSessionKeyBytes = sessionKeyBytes('k'.repeat(43));

/** A held session's key and its key-table entry. */
export function sessionKeyBytes(sessionKey: string): number {
	return stringBytes(sessionKey) + mapEntryBytes;
}

/** A held report's array of id references (the ids themselves are shared); every empty report shares one. */
export function reportBytes(idCount: number): number {
	return idCount === 0 ? 0 : arrayBytes(idCount);
}

/**
 * The most one session can cost: a report of `maxPerSession` ids of `maxIdLength` characters past Latin-1, none
 * of them shared with another session.
 */
export function largestSessionBytes({ maxPerSession, maxIdLength }: SegmentLimits): number {
	const largestIdBytes = largestStringBytes(maxIdLength) + mapEntryBytes + objectBytes(2);
	return routeSessionKeyBytes + reportBytes(maxPerSession) + maxPerSession * largestIdBytes;
}

/** Sessions of the largest report a store must have room for, so that no single report can empty it. */
export const minLargestSessions = 10;

export interface StoreLimits extends SegmentLimits {
	maxSessions: number;
}

/** The least `maxBytes` a store of these limits works with: its slots, and room for `minLargestSessions`. */
export function leastMaxBytes(limits: StoreLimits): number {
	return limits.maxSessions * storeSlotBytes + minLargestSessions * largestSessionBytes(limits);
}

/** Why `maxBytes` is below `leastMaxBytes`, in a sentence that names the limits it depends on. */
export function maxBytesProblem(maxBytes: number, limits: StoreLimits): string | undefined {
	const least = leastMaxBytes(limits);
	if (maxBytes >= least) return undefined;
	return (
		`must be at least ${least} bytes with maxSessions ${limits.maxSessions}, maxPerSession ${limits.maxPerSession} ` +
		`and maxIdLength ${limits.maxIdLength}: ${storeSlotBytes} bytes a session slot, and room for ` +
		`${minLargestSessions} reports of the largest size (${largestSessionBytes(limits)} bytes each)`
	);
}
