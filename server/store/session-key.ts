import { hash } from 'node:crypto';

/**
 * The store key for a session id: its SHA-256 in base64url (43 characters), whatever the id's length.
 *
 * Why not the id itself: a cookie value cut out of a `Cookie` header is, in V8, a slice that keeps the whole
 * header alive, and publishers' ids range from UUIDs to kilobyte-long tokens. A fixed-size digest held in a
 * fresh string bounds the memory each session costs, and keeps raw session ids out of the store (and Redis).
 * (Not shortened: a slice of the digest would itself keep the whole digest alive.)
 */
export function sessionKeyOf(sessionId: string): string {
	return hash('sha256', sessionId, 'base64url');
}
