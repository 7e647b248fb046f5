import { createHash } from 'node:crypto';

/**
 * The store key for a session id: 22 characters of SHA-256, whatever the id's length.
 *
 * Why not the id itself: a cookie value cut out of a `Cookie` header is, in V8, a slice that keeps the whole
 * header alive, and publishers' ids range from UUIDs to kilobyte-long tokens. A fixed-size digest held in a
 * fresh string bounds the memory each session costs, and keeps raw session ids out of the store (and Redis).
 */
export function sessionKeyOf(sessionId: string): string {
	return createHash('sha256').update(sessionId).digest().subarray(0, 16).toString('base64url');
}
