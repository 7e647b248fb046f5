import { hash } from 'node:crypto';

/** Bytes of the session id's SHA-256 a session key keeps: 128 bits. */
export const sessionKeyLength = 16;

/**
 * The store key for a session id: the first 16 bytes of its SHA-256, as a 16-character one-byte string (each
 * character one byte of the digest, U+0000 to U+00FF), whatever the id's length.
 *
 * Why not the id itself: a cookie value cut out of a `Cookie` header is, in V8, a slice that keeps the whole
 * header alive, and publishers' ids range from UUIDs to kilobyte-long tokens. A fixed-size digest held in a
 * fresh string bounds the memory each holder of the key costs (32 bytes: header and 16 characters), and keeps raw
 * session ids out of the store (and Redis). The in-process store keeps the key's 16 bytes in a typed array and
 * no string at all.
 *
 * Collision odds: two of n session ids share a key with a probability of about n² / 2^129, 1.5 × 10^-27 for a
 * million sessions held at once and 1.5 × 10^-21 for a billion: never, for any store this collector runs.
 */
export function sessionKeyOf(sessionId: string): string {
	// From the digest's Buffer, so the key is a flat string of its own rather than a slice of a longer one.
	return hash('sha256', sessionId, 'buffer').toString('latin1', 0, sessionKeyLength);
}

/** Is `key` shaped like a session key: 16 characters, each one byte? */
export function isSessionKey(key: string): boolean {
	if (key.length !== sessionKeyLength) return false;
	for (let index = 0; index < sessionKeyLength; index++) if (key.charCodeAt(index) > 0xff) return false;
	return true;
}

/**
 * A session key as Redis keys and channels spell it: its 16 bytes in base64url (22 characters), so that Redis
 * holds printable digests only. Any other string (tests' own keys) is used as it is.
 */
export function sessionKeyText(sessionKey: string): string {
	return isSessionKey(sessionKey) ? Buffer.from(sessionKey, 'latin1').toString('base64url') : sessionKey;
}
