import { afterEach, describe, expect, it } from 'vitest';
import { errorCode } from '../server/http-client.js';
import { adminKey, type ConsoleCollector, consolePath, cookieOf, setCookieOf, startConsoleCollector } from './console-fixture.js';

const sessionPath = `${consolePath}/api/session`;

describe('console sign-in', () => {
	const started: ConsoleCollector[] = [];
	async function start(...args: Parameters<typeof startConsoleCollector>): Promise<ConsoleCollector> {
		const collector = await startConsoleCollector(...args);
		started.push(collector);
		return collector;
	}
	afterEach(async () => {
		await Promise.all(started.splice(0).map((collector) => collector.stop({ drain: false })));
	});

	it('signs in with an admin key: an HttpOnly, SameSite=Strict cookie on the console path, and a CSRF token', async () => {
		const collector = await start();
		const answer = await collector.request(sessionPath, { method: 'POST', body: { key: adminKey } });
		expect(answer.status).toBe(200);
		const csrfToken = (answer.json as { csrfToken: string }).csrfToken;
		expect(csrfToken).toMatch(/^[\w-]{20,}$/);
		const setCookie = setCookieOf(answer);
		expect(setCookie).toMatch(/^bcb_admin=[\w.-]+;/);
		expect(setCookie).toContain('; Path=/plugins/blueconic/admin');
		expect(setCookie).toContain('; HttpOnly');
		expect(setCookie).toContain('; SameSite=Strict');
		expect(setCookie).toContain('; Max-Age=28800');
		expect(setCookie).not.toContain('Secure'); // plain HTTP from a client that is no proxy
		expect(answer.headers['cache-control']).toBe('no-store');
		// The answer names neither the key nor the session token.
		expect(answer.text).not.toContain(adminKey);
		expect(answer.text).not.toContain(cookieOf(answer).slice('bcb_admin='.length));

		collector.cookie = cookieOf(answer);
		const session = await collector.request(sessionPath);
		expect(session.status).toBe(200);
		expect(session.json).toEqual({ csrfToken });
	});

	it('refuses a wrong key, and tells a missing session from none', async () => {
		const collector = await start();
		const wrong = await collector.request(sessionPath, { method: 'POST', body: { key: 'not-the-admin-key-at-all' } });
		expect(wrong.status).toBe(401);
		expect(errorCode(wrong)).toBe('admin_key_invalid');
		expect(wrong.headers['set-cookie']).toBeUndefined();
		expect(errorCode(await collector.request(sessionPath))).toBe('admin_session_missing');
		collector.cookie = 'bcb_admin=forged.token.value';
		expect(errorCode(await collector.request(sessionPath))).toBe('admin_session_expired');
	});

	it('never takes a backend API key', async () => {
		const collector = await start();
		const answer = await collector.request(sessionPath, { method: 'POST', body: { key: 'test-api-key-0123456789' } });
		expect(errorCode(answer)).toBe('admin_key_invalid');
	});

	it('sets Secure over HTTPS as told by a trusted proxy, and only by one', async () => {
		const trusted = await start({ server: { trustedProxies: ['127.0.0.1'] } });
		const viaProxy = await trusted.request(sessionPath, {
			method: 'POST',
			body: { key: adminKey },
			headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
		});
		expect(setCookieOf(viaProxy)).toContain('; Secure');

		const untrusted = await start();
		const forged = await untrusted.request(sessionPath, { method: 'POST', body: { key: adminKey }, headers: { 'x-forwarded-proto': 'https' } });
		expect(forged.status).toBe(200);
		expect(setCookieOf(forged)).not.toContain('Secure');
	});

	it('refuses a sign-in from another site (Origin, Sec-Fetch-Site), and takes one from its own pages', async () => {
		const collector = await start();
		const fromElsewhere = await collector.request(sessionPath, { method: 'POST', body: { key: adminKey }, headers: { origin: 'https://evil.test' } });
		expect(fromElsewhere.status).toBe(403);
		expect(errorCode(fromElsewhere)).toBe('cross_site_request');
		const crossSite = await collector.request(sessionPath, { method: 'POST', body: { key: adminKey }, headers: { 'sec-fetch-site': 'cross-site' } });
		expect(errorCode(crossSite)).toBe('cross_site_request');
		const ownPage = await collector.request(sessionPath, {
			method: 'POST',
			body: { key: adminKey },
			headers: { origin: 'http://www.publisher.test', 'sec-fetch-site': 'same-origin' },
		});
		expect(ownPage.status).toBe(200);
	});

	it('needs a JSON body to sign in', async () => {
		const collector = await start();
		const form = await collector.request(sessionPath, {
			method: 'POST',
			body: `key=${adminKey}`,
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
		});
		expect(form.status).toBe(415);
		expect(form.headers['set-cookie']).toBeUndefined();
	});

	it('slows down repeated wrong keys from one address with 429 and Retry-After, even for the right key', async () => {
		const collector = await start();
		for (let attempt = 1; attempt <= 5; attempt++) {
			const answer = await collector.request(sessionPath, { method: 'POST', body: { key: `wrong-key-number-${attempt}-xxxxxxxx` } });
			expect(answer.status).toBe(401);
		}
		// Five wrong keys: the next attempt must wait (30 s at first), whatever key it sends.
		const blocked = await collector.request(sessionPath, { method: 'POST', body: { key: adminKey } });
		expect(blocked.status).toBe(429);
		expect(errorCode(blocked)).toBe('too_many_attempts');
		expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(1);
		expect(blocked.headers['set-cookie']).toBeUndefined();
	});

	it('behind a trusted proxy, slows down the client that sent the wrong keys and not the others, whatever the session type', async () => {
		// The proxy setting is the server's: it holds with in-process sessions, which have no validator setting for it.
		const collector = await start({ server: { trustedProxies: ['127.0.0.1'] } });
		const from = (client: string) => ({ 'x-forwarded-for': client });
		for (let attempt = 1; attempt <= 5; attempt++) {
			const answer = await collector.request(sessionPath, {
				method: 'POST',
				body: { key: `wrong-key-number-${attempt}-xxxxxxxx` },
				headers: from('203.0.113.66'),
			});
			expect(answer.status).toBe(401);
		}
		const blocked = await collector.request(sessionPath, { method: 'POST', body: { key: adminKey }, headers: from('203.0.113.66') });
		expect(blocked.status).toBe(429);
		const colleague = await collector.request(sessionPath, { method: 'POST', body: { key: adminKey }, headers: from('198.51.100.20') });
		expect(colleague.status).toBe(200);
	});

	it('counts wrong keys sent all at once one by one: the sixth and later are slowed down', async () => {
		const collector = await start();
		const answers = await Promise.all(
			Array.from({ length: 12 }, (_, attempt) => collector.request(sessionPath, { method: 'POST', body: { key: `parallel-wrong-key-${attempt}-xxxxxx` } })),
		);
		expect(answers.filter(({ status }) => status === 401)).toHaveLength(5);
		expect(answers.filter(({ status }) => status === 429)).toHaveLength(7);
	});

	it('signs out: 204, the cookie cleared, and the session refused from then on', async () => {
		const collector = await start();
		await collector.signIn();
		const kept = collector.cookie;
		const signOut = await collector.write('DELETE', sessionPath);
		expect(signOut.status).toBe(204);
		expect(setCookieOf(signOut)).toMatch(/^bcb_admin=; Path=\/plugins\/blueconic\/admin; Max-Age=0;/);
		collector.cookie = kept;
		const after = await collector.request(sessionPath);
		expect(after.status).toBe(401);
		expect(errorCode(after)).toBe('admin_session_expired');
	});

	it('keeps a session across replicas and restarts with the same admin keys, not with other ones', async () => {
		const first = await start();
		await first.signIn();
		const replica = await start();
		replica.cookie = first.cookie;
		const onReplica = await replica.request(sessionPath);
		expect(onReplica.status).toBe(200);
		expect(onReplica.json).toEqual({ csrfToken: first.csrfToken });

		const otherKeys = await start({ adminKeys: ['another-admin-key-0123456789'] });
		otherKeys.cookie = first.cookie;
		expect(errorCode(await otherKeys.request(sessionPath))).toBe('admin_session_expired');
	});
});

describe('console writes and CSRF', () => {
	let collector: ConsoleCollector;
	afterEach(() => collector.stop({ drain: false }));

	it('refuses a cross-site form post (urlencoded, no token) with 403, cookie or not', async () => {
		collector = await startConsoleCollector();
		await collector.signIn();
		const formPost = await collector.request(`${consolePath}/api/decision-test`, {
			method: 'POST',
			body: 'session=abc',
			headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.test' },
		});
		expect(formPost.status).toBe(403);
		expect(errorCode(formPost)).toBe('csrf_token_invalid');
		collector.cookie = undefined;
		const withoutCookie = await collector.request(`${consolePath}/api/config/check`, {
			method: 'POST',
			body: 'sections=x',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
		});
		expect(withoutCookie.status).toBe(403);
	});

	it('refuses a write with a wrong or missing token, and takes the right one', async () => {
		collector = await startConsoleCollector();
		await collector.signIn();
		const path = `${consolePath}/api/decision-test`;
		const missing = await collector.request(path, { method: 'POST', body: { session: 'abc' } });
		expect(errorCode(missing)).toBe('csrf_token_invalid');
		const wrong = await collector.request(path, { method: 'POST', body: { session: 'abc' }, headers: { 'x-csrf-token': 'x'.repeat(43) } });
		expect(wrong.status).toBe(403);
		expect(errorCode(wrong)).toBe('csrf_token_invalid');
		const notJson = await collector.request(path, {
			method: 'POST',
			body: 'session=abc',
			headers: { 'x-csrf-token': collector.csrfToken ?? '', 'content-type': 'text/plain' },
		});
		expect(notJson.status).toBe(415);
		expect((await collector.write('POST', path, { session: 'abc' })).status).toBe(200);
	});

	it('needs a session for the API: 401 admin_session_missing', async () => {
		collector = await startConsoleCollector();
		const status = await collector.request(`${consolePath}/api/status`);
		expect(status.status).toBe(401);
		expect(errorCode(status)).toBe('admin_session_missing');
		const write = await collector.request(`${consolePath}/api/decision-test`, { method: 'POST', body: { session: 'a' }, headers: { 'x-csrf-token': 'x' } });
		expect(errorCode(write)).toBe('admin_session_missing');
	});
});
