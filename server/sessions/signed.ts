import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SessionCheck, SessionValidator } from './session-validator.js';

/**
 * Signed session cookies, for publishers whose backend can sign but not answer lookups:
 * `<sessionId>.<expiresAtUnixSeconds>.<base64url HMAC-SHA256(secret, "<sessionId>.<expiresAtUnixSeconds>")>`.
 * The session id may not contain a dot. `signSessionCookie` makes one. The signature is accepted in exactly that
 * encoding (43 characters, no padding): base64url decoders also take `=`, skip stray characters and ignore the
 * last character's unused bits, so one signed cookie would otherwise have many accepted spellings.
 */
export function signSessionCookie(sessionId: string, secret: string, expiresAt: Date): string {
	if (sessionId === '' || sessionId.includes('.')) throw new TypeError('sessionId must be non-empty and contain no "."');
	const payload = `${sessionId}.${Math.floor(expiresAt.getTime() / 1000)}`;
	return `${payload}.${signatureOf(payload, secret).toString('base64url')}`;
}

export class SignedSessions implements SessionValidator {
	constructor(readonly secret: string) {}

	validate(cookieValue: string): SessionCheck {
		const parts = cookieValue.split('.');
		if (parts.length !== 3) return { status: 'invalid', reason: 'forged' };
		const [sessionId = '', expiresAtText = '', signatureText = ''] = parts;
		const payload = `${sessionId}.${expiresAtText}`;
		// Compared as text, so only the canonical encoding matches; in constant time, so the signature cannot be
		// guessed byte by byte from response timings.
		const expected = Buffer.from(signatureOf(payload, this.secret).toString('base64url'));
		const given = Buffer.from(signatureText);
		if (sessionId === '' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
			return { status: 'invalid', reason: 'forged' };
		}
		const expiresAtSeconds = Number(expiresAtText);
		if (!Number.isSafeInteger(expiresAtSeconds) || expiresAtSeconds * 1000 <= Date.now()) {
			return { status: 'invalid', reason: 'expired' };
		}
		return { status: 'valid', sessionId };
	}

	/** Nothing ends a signed session before its expiry: a cookie that verified stays valid until then. */
	reusableUntil(cookieValue: string): number | undefined {
		const expiresAtText = cookieValue.split('.')[1] ?? '';
		const expiresAtSeconds = Number(expiresAtText);
		return Number.isSafeInteger(expiresAtSeconds) ? expiresAtSeconds * 1000 : undefined;
	}
}

function signatureOf(payload: string, secret: string): Buffer {
	return createHmac('sha256', secret).update(payload).digest();
}
