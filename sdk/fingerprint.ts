/**
 * A short, non-cryptographic fingerprint (Java's 32-bit string hash) of the session cookie `cookieName` as this
 * page can read it, so that a new session (a sign-in, a sign-out) can be told from the one a report was delivered
 * for without keeping the cookie's value. An HttpOnly cookie, a missing one and an empty `cookieName` (no such cookie) all give the
 * same constant (0): then only the refresh interval, or `flush({ force: true })`, notices a new session.
 * (`document.cookie` is `name=value` pairs joined by `; `; it throws in a frame with an opaque origin, which could
 * not post with the cookie anyway.)
 */
export const sessionFingerprint = (cookieName: string): number =>
	[...(document.cookie.split('; ').find((pair) => pair.startsWith(cookieName + '=')) ?? '')].reduce(
		// At most 31 * 2^31 + 2^16 before the `| 0`: exact in a double.
		(hash, char) => (hash * 31 + char.charCodeAt(0)) | 0,
		0,
	);
