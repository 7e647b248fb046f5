import { describe, expect, it } from 'vitest';
import { SignedSessions, signSessionCookie } from '../../server/sessions/signed.js';

const secret = 'a-secret-of-at-least-16-chars';
const inOneHour = new Date(Date.now() + 3_600_000);

describe('SignedSessions', () => {
	it('accepts a cookie signed with the secret and gives its session id', async () => {
		const cookie = signSessionCookie('user-42', secret, inOneHour);
		expect(await new SignedSessions(secret).validate(cookie)).toEqual({ status: 'valid', sessionId: 'user-42' });
	});

	it('refuses a cookie signed with another secret', async () => {
		const cookie = signSessionCookie('user-42', 'another-secret-of-16-chars', inOneHour);
		expect(await new SignedSessions(secret).validate(cookie)).toEqual({ status: 'invalid', reason: 'forged' });
	});

	it('refuses a cookie whose id or expiry was changed', async () => {
		const [, expiresAt, signature] = signSessionCookie('user-42', secret, inOneHour).split('.');
		const sessions = new SignedSessions(secret);
		expect(await sessions.validate(`user-43.${expiresAt}.${signature}`)).toEqual({ status: 'invalid', reason: 'forged' });
		expect(await sessions.validate(`user-42.${Number(expiresAt) + 1}.${signature}`)).toEqual({ status: 'invalid', reason: 'forged' });
	});

	it('accepts the signature only in its canonical base64url encoding', async () => {
		const cookie = signSessionCookie('user-42', secret, inOneHour);
		const signature = cookie.split('.')[2] ?? '';
		expect(signature).toHaveLength(43);
		// 43 characters carry 258 bits for a 256-bit HMAC: the last character's two low bits are unused.
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
		const last = alphabet.indexOf(signature.at(-1) ?? '');
		const sameBytes = [1, 2, 3].map((unusedBits) => `${cookie.slice(0, -1)}${alphabet[last ^ unusedBits]}`);
		for (const spelling of sameBytes) {
			// The decoder really does read these as the same signature, so only the check below refuses them.
			expect(Buffer.from(spelling.split('.')[2] ?? '', 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
		}
		const sessions = new SignedSessions(secret);
		for (const spelling of [`${cookie}=`, `${cookie}!!`, `${cookie.slice(0, 20)}!${cookie.slice(20)}`, ...sameBytes]) {
			expect(await sessions.validate(spelling)).toEqual({ status: 'invalid', reason: 'forged' });
		}
		expect(await sessions.validate(cookie)).toEqual({ status: 'valid', sessionId: 'user-42' });
	});

	it('refuses malformed cookies', async () => {
		const sessions = new SignedSessions(secret);
		for (const cookie of ['', 'plain', 'a.b', 'a.b.c.d', '.1.x', 'a.1.']) {
			expect((await sessions.validate(cookie)).status).toBe('invalid');
		}
	});

	it('refuses an expired cookie', async () => {
		const cookie = signSessionCookie('user-42', secret, new Date(Date.now() - 1000));
		expect(await new SignedSessions(secret).validate(cookie)).toEqual({ status: 'invalid', reason: 'expired' });
	});

	it('will not sign an id containing the separator', () => {
		expect(() => signSessionCookie('a.b', secret, inOneHour)).toThrow(TypeError);
	});
});
