import { afterEach, expect, test, vi } from 'vitest';
import { sessionFingerprint } from '../../sdk/fingerprint.js';

afterEach(() => vi.unstubAllGlobals());

function withCookies(cookies: string): void {
	vi.stubGlobal('document', { cookie: cookies });
}

test('is a short number that changes with the session cookie and does not contain its value', () => {
	withCookies('blaize_session=session-1');
	const first = sessionFingerprint('blaize_session');
	withCookies('blaize_session=session-2');
	const second = sessionFingerprint('blaize_session');
	expect(first).not.toBe(second);
	for (const fingerprint of [first, second]) {
		expect(Number.isInteger(fingerprint)).toBe(true);
		expect(String(fingerprint)).not.toContain('session');
		expect(String(fingerprint).length).toBeLessThanOrEqual(11);
	}
});

test('reads only the named cookie, wherever it is in document.cookie', () => {
	withCookies('blaize_session=abc');
	const alone = sessionFingerprint('blaize_session');
	withCookies('a=1; blaize_session=abc; z=2');
	expect(sessionFingerprint('blaize_session')).toBe(alone);
	withCookies('a=2; blaize_session=abc; z=3; other_blaize_session=x');
	expect(sessionFingerprint('blaize_session')).toBe(alone);
});

test('is 0 when the page cannot read the cookie (missing or HttpOnly), or for no cookie name', () => {
	withCookies('');
	expect(sessionFingerprint('blaize_session')).toBe(0);
	withCookies('other=1; not_blaize_session=abc');
	expect(sessionFingerprint('blaize_session')).toBe(0);
	withCookies('blaize_session=abc');
	expect(sessionFingerprint('')).toBe(0);
});
