import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSessions, type RequestSession } from '../../server/http/session.js';
import { recordBytes, SessionRecords } from '../../server/sessions/session-records.js';
import type { SessionCheck, SessionValidator } from '../../server/sessions/session-validator.js';
import { SignedSessions, signSessionCookie } from '../../server/sessions/signed.js';
import { sessionKeyOf } from '../../server/store/session-key.js';
import { startCollector, testConfig } from './collector-fixture.js';
import { type FakeAccountServer, startFakeAccountServer } from './fake-account-server.js';
import { send } from './http-client.js';

const cookieName = 'blaize_session';

function requestWith(cookieValue: string): IncomingMessage {
	return { headers: { cookie: `other=1; ${cookieName}=${cookieValue}` }, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
}

/** A validator that vouches for cookies starting with `valid-` until `until`, counting its calls. */
function countingValidator(until = Date.now() + 3_600_000): SessionValidator & { calls: string[] } {
	const calls: string[] = [];
	return {
		calls,
		validate(cookieValue: string): SessionCheck {
			calls.push(cookieValue);
			return cookieValue.startsWith('valid-') ? { status: 'valid', sessionId: cookieValue } : { status: 'invalid', reason: 'unknown' };
		},
		reusableUntil: () => until,
	};
}

async function require(sessions: BrowserSessions, cookieValue: string): Promise<RequestSession> {
	return sessions.require(requestWith(cookieValue), cookieName);
}

describe('session records', () => {
	it('ask the validator once per cookie, then answer from the record without a promise', async () => {
		const validator = countingValidator();
		const sessions = new BrowserSessions(validator, new SessionRecords(10));
		const first = await require(sessions, 'valid-a');
		const second = sessions.require(requestWith('valid-a'), cookieName);
		expect(second).not.toBeInstanceOf(Promise);
		expect(second).toBe(first);
		expect(first.sessionKey).toBe(sessionKeyOf('valid-a'));
		expect(validator.calls).toEqual(['valid-a']);
	});

	it('ask again once the validator’s time is up, keeping the rate window of the session', async () => {
		const validator = countingValidator();
		validator.reusableUntil = () => Date.now() + 300;
		const sessions = new BrowserSessions(validator, new SessionRecords(10));
		const record = (await require(sessions, 'valid-a')) as RequestSession & { windowCount: number };
		record.windowCount = 3;
		// Waits for the record to expire rather than sleep a set time.
		await expect.poll(() => (require(sessions, 'valid-a'), validator.calls.length), { timeout: 5_000 }).toBeGreaterThan(1);
		expect(((await require(sessions, 'valid-a')) as unknown as { windowCount: number }).windowCount).toBe(3);
	});

	it('drop a record the validator no longer vouches for', async () => {
		let valid = true;
		const validator: SessionValidator = {
			validate: (cookieValue) => (valid ? { status: 'valid', sessionId: cookieValue } : { status: 'invalid', reason: 'unknown' }),
			reusableUntil: () => Date.now() + 50,
		};
		const records = new SessionRecords(10);
		const sessions = new BrowserSessions(validator, records);
		await require(sessions, 'valid-a');
		expect(records.size).toBe(1);
		valid = false;
		await expect.poll(async () => require(sessions, 'valid-a').then(() => 'valid', () => 'refused'), { timeout: 5_000 }).toBe('refused');
		expect(records.size).toBe(0);
	});

	it('are not kept for validators whose answers cannot be reused, nor past the cookie length bound', async () => {
		const validator = countingValidator();
		delete (validator as Partial<SessionValidator>).reusableUntil;
		const records = new SessionRecords(10);
		const sessions = new BrowserSessions(validator, records);
		await require(sessions, 'valid-a');
		await require(sessions, 'valid-a');
		expect(validator.calls).toHaveLength(2);
		expect(records.size).toBe(0);

		const bounded = new SessionRecords(10);
		const long = `valid-${'x'.repeat(300)}`;
		await require(new BrowserSessions(countingValidator(), bounded), long);
		expect(bounded.size).toBe(0);
	});

	it('hold at most maxRecords, evicting first those not used since the sweep last passed', async () => {
		const validator = countingValidator();
		const records = new SessionRecords(5);
		const sessions = new BrowserSessions(validator, records);
		for (let index = 0; index < 50; index++) {
			await require(sessions, `valid-${index}`);
			await require(sessions, 'valid-kept'); // used between every two new sessions
			expect(records.size).toBeLessThanOrEqual(5);
		}
		const asked = validator.calls.filter((call) => call === 'valid-kept').length;
		expect(asked).toBe(1);
	});

	it('are never made for made-up cookies: a flood of them leaves every valid record in place', async () => {
		const validator = countingValidator();
		const records = new SessionRecords(100);
		const sessions = new BrowserSessions(validator, records);
		const real = Array.from({ length: 100 }, (_, index) => `valid-real-${index}`);
		for (const cookie of real) await require(sessions, cookie);
		for (let index = 0; index < 10_000; index++) await expect(require(sessions, `made-up-${index}`)).rejects.toMatchObject({ status: 401 });
		validator.calls.length = 0;
		for (const cookie of real) await require(sessions, cookie);
		expect(validator.calls).toEqual([]);
		expect(records.size).toBe(100);
	});

	it('keep a signed cookie that verified until its own expiry, then refuse it as expired', async () => {
		const signed = new SignedSessions('a-test-secret-of-some-length');
		let checks = 0;
		const counting: SessionValidator = {
			validate: (cookieValue) => (checks++, signed.validate(cookieValue)),
			reusableUntil: (cookieValue) => signed.reusableUntil(cookieValue),
		};
		const sessions = new BrowserSessions(counting, new SessionRecords(10));
		const cookie = signSessionCookie('user-1', signed.secret, new Date(Date.now() + 1_500));
		for (let index = 0; index < 5; index++) expect((await require(sessions, cookie)).sessionKey).toBe(sessionKeyOf('user-1'));
		expect(checks).toBe(1);
		await expect
			.poll(() => require(sessions, cookie).then(() => 'valid', (error: { message: string }) => error.message), { timeout: 10_000, interval: 100 })
			.toBe('the blaize_session session has expired');
	});

	it('state their bound in bytes', () => {
		expect(recordBytes).toBeGreaterThan(500);
		expect(recordBytes).toBeLessThan(2_000);
	});
});

describe('session records with the http validator, over HTTP', () => {
	let upstream: FakeAccountServer;
	beforeAll(async () => {
		upstream = await startFakeAccountServer();
	});
	afterAll(() => upstream.close());
	afterEach(() => upstream.reset());

	const report = (url: string) =>
		send(`${url}/plugins/public/blueconic/segments`, {
			method: 'POST',
			body: '["a"]',
			headers: { host: 'www.publisher.test', 'content-type': 'application/json', cookie: `${cookieName}=session-jane` },
		});

	it('ask upstream once, then answer from the record; again once cacheSeconds are over', async () => {
		const running = await startCollector(testConfig({ session: { validate: { type: 'http', url: upstream.url, cacheSeconds: 1 } } }));
		try {
			for (let index = 0; index < 5; index++) expect((await report(running.url)).status).toBe(204);
			expect(upstream.calls).toHaveLength(1);
			await expect.poll(async () => ((await report(running.url)).status, upstream.calls.length), { timeout: 10_000, interval: 200 }).toBe(2);
		} finally {
			await running.stop({ drain: false });
		}
	});

	it('count reports per session in the record: the rate limit still holds', async () => {
		const running = await startCollector(
			testConfig({ session: { validate: { type: 'http', url: upstream.url } }, segments: { postsPerMinute: 3 } }),
		);
		try {
			const statuses = [];
			for (let index = 0; index < 5; index++) statuses.push((await report(running.url)).status);
			expect(statuses).toEqual([204, 204, 204, 429, 429]);
		} finally {
			await running.stop({ drain: false });
		}
	});
});
