import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminSessions } from '../../server/admin/admin-sessions.js';
import { SignInThrottle } from '../../server/admin/sign-in-throttle.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { capturedLogger } from '../live/live-fixture.js';
import { adminKey, type ConsoleCollector, consolePath, startConsoleCollector } from './console-fixture.js';

describe('console logs', () => {
	let fake: FakeBlueConic;
	let console: ConsoleCollector;
	const { logger, lines } = capturedLogger();
	beforeAll(async () => {
		fake = await startFakeBlueConic();
		console = await startConsoleCollector({ blueconic: { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'test-secret' } }, { logger });
	});
	afterAll(async () => {
		await console.stop({ drain: false });
		await fake.close();
	});

	it('hold no admin key, session token, CSRF token, client secret or session id', async () => {
		await console.request(`${consolePath}/api/session`, { method: 'POST', body: { key: 'a-wrong-admin-key-guess' } });
		const csrfToken = await console.signIn();
		const token = console.cookie?.slice('bcb_admin='.length) ?? '';
		await console.write('PUT', `${consolePath}/api/config`, { sections: { blueconic: { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'a-new-secret-for-logs' } } });
		await console.write('POST', `${consolePath}/api/blueconic/test-connection`, { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'another-wrong-secret' });
		await console.write('POST', `${consolePath}/api/decision-test`, { session: 'pasted-session-id-123' });
		await console.write('DELETE', `${consolePath}/api/session`);
		const logged = JSON.stringify(lines());
		expect(logged).toContain('console sign-in'); // the log was captured at all
		for (const secret of [adminKey, 'a-wrong-admin-key-guess', token, csrfToken, 'test-secret', 'a-new-secret-for-logs', 'another-wrong-secret', 'pasted-session-id-123']) {
			expect(logged).not.toContain(secret);
		}
	});
});

describe('console memory bounds', () => {
	it('remembers at most maxClients addresses of wrong keys, the least recent forgotten first', () => {
		const throttle = new SignInThrottle({ freeAttempts: 1, maxClients: 3 });
		for (const client of ['a', 'b', 'c', 'd']) throttle.recordFailure(client);
		expect(throttle.waitMsFor('a')).toBe(0);
		expect(throttle.waitMsFor('d')).toBeGreaterThan(0);
		throttle.recordSuccess('d');
		expect(throttle.waitMsFor('d')).toBe(0);
	});

	it('keeps signed-out tokens refused until they expire, within a bounded list', () => {
		let now = 1_000_000;
		const sessions = new AdminSessions({ now: () => now });
		const keys = [adminKey];
		const first = sessions.issue(keys).token;
		sessions.revoke(first);
		for (let index = 0; index < 10_050; index++) sessions.revoke(sessions.issue(keys).token);
		const last = sessions.issue(keys).token;
		sessions.revoke(last);
		expect(sessions.check(keys, last).status).toBe('expired');
		// The oldest entries made room; the token itself still ends at its expiry.
		expect(sessions.check(keys, first).status).toBe('valid');
		now += 8 * 60 * 60 * 1000;
		expect(sessions.check(keys, first).status).toBe('expired');
	});
});
