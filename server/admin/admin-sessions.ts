import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Console sign-in sessions as stateless tokens: `expiry.random.mac`, where `mac` is an HMAC keyed by a digest of
 * the configured admin keys. Any replica with the same `adminKeys` accepts a token, across restarts too, and a
 * change of `adminKeys` (a live reload) invalidates every token issued before it. Sign-out revokes a token in this
 * process (a bounded list); elsewhere it lives until its expiry, at most `sessionLifetimeMs`.
 */

export const sessionLifetimeMs = 8 * 60 * 60 * 1000;

/** Tokens signed out in this process, kept until they expire; past the bound the oldest entry goes first. */
const maxRevokedTokens = 10_000;

// Longer cookie values are not tokens this module issues: refused before any hashing.
const maxTokenLength = 200;

export type AdminSessionCheck = { status: 'valid'; token: string } | { status: 'missing' } | { status: 'expired' } | { status: 'invalid' };

export class AdminSessions {
	readonly #now: () => number;
	/** The signing key for each `adminKeys` list seen, by the list's identity (a reload brings a new list). */
	readonly #keyByList = new WeakMap<readonly string[], Buffer>();
	/** Revoked tokens' digests → their expiry (ms). */
	readonly #revoked = new Map<string, number>();

	constructor({ now = Date.now }: { now?: () => number } = {}) {
		this.#now = now;
	}

	/** A new token for a signed-in operator. */
	issue(adminKeys: readonly string[]): { token: string; expiresAtMs: number } {
		const expiresAtMs = this.#now() + sessionLifetimeMs;
		const body = `${expiresAtMs.toString(36)}.${randomBytes(18).toString('base64url')}`;
		return { token: `${body}.${this.#mac(adminKeys, `session:${body}`)}`, expiresAtMs };
	}

	check(adminKeys: readonly string[], token: string | undefined): AdminSessionCheck {
		if (token === undefined || token === '') return { status: 'missing' };
		if (token.length > maxTokenLength) return { status: 'invalid' };
		const lastDot = token.lastIndexOf('.');
		const body = token.slice(0, lastDot);
		const expiryText = body.slice(0, body.indexOf('.'));
		if (lastDot <= 0 || expiryText === '') return { status: 'invalid' };
		if (!sameText(this.#mac(adminKeys, `session:${body}`), token.slice(lastDot + 1))) return { status: 'invalid' };
		const expiresAtMs = Number.parseInt(expiryText, 36);
		if (!(expiresAtMs > this.#now())) return { status: 'expired' };
		if (this.#revoked.has(digestOf(token))) return { status: 'expired' };
		return { status: 'valid', token };
	}

	/** Sign-out: this token is refused from now on in this process. */
	revoke(token: string): void {
		const expiresAtMs = Number.parseInt(token.slice(0, token.indexOf('.')), 36);
		const now = this.#now();
		for (const [digest, expiry] of this.#revoked) {
			if (expiry > now && this.#revoked.size < maxRevokedTokens) break;
			this.#revoked.delete(digest);
		}
		this.#revoked.set(digestOf(token), Number.isFinite(expiresAtMs) ? expiresAtMs : now + sessionLifetimeMs);
	}

	/** The CSRF token for a session: derived from it, so nothing is stored and every replica agrees. */
	csrfTokenOf(adminKeys: readonly string[], token: string): string {
		return this.#mac(adminKeys, `csrf:${token}`);
	}

	isCsrfTokenOf(adminKeys: readonly string[], token: string, csrfToken: string): boolean {
		return sameText(this.csrfTokenOf(adminKeys, token), csrfToken);
	}

	#mac(adminKeys: readonly string[], text: string): string {
		let key = this.#keyByList.get(adminKeys);
		if (key === undefined) {
			// Sorted, so the same keys in another order sign alike on every replica.
			key = createHash('sha256').update('blueconic-bridge admin sessions\0').update([...adminKeys].sort().join('\0')).digest();
			this.#keyByList.set(adminKeys, key);
		}
		return createHmac('sha256', key).update(text).digest('base64url');
	}
}

function digestOf(text: string): string {
	return createHash('sha256').update(text).digest('base64url');
}

/** Constant-time comparison of two texts, by their digests (so lengths do not leak either). */
export function sameText(expected: string, given: string): boolean {
	return timingSafeEqual(createHash('sha256').update(expected).digest(), createHash('sha256').update(given).digest());
}
