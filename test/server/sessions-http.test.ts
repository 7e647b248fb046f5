import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpSessions } from '../../server/sessions/http.js';
import { reportSegments, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { errorCode, send } from './http-client.js';

/** A fake of Zephr's `GET /blaize/account`: sessions it knows answer 200 with the account, others 401. */
interface FakeAccountServer {
	url: string;
	calls: IncomingMessage['headers'][];
	/** How to answer the next calls: 'account' (default), a status code, 'hang' or 'slow'. */
	mode: 'account' | number | 'hang' | 'slow';
	server: Server;
}

const knownSessions = new Map([['session-jane', { identifiers: { email_address: 'jane@example.com' }, tracking_id: 't-1' }]]);

async function startFakeAccountServer(): Promise<FakeAccountServer> {
	const fake: FakeAccountServer = { url: '', calls: [], mode: 'account', server: createServer() };
	fake.server.on('request', (req, res) => {
		fake.calls.push(req.headers);
		const sessionId = /blaize_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '';
		const answer = () => {
			if (typeof fake.mode === 'number') {
				res.writeHead(fake.mode).end();
			} else if (knownSessions.has(sessionId)) {
				res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(knownSessions.get(sessionId)));
			} else {
				res.writeHead(401).end();
			}
		};
		if (fake.mode === 'hang') return;
		if (fake.mode === 'slow') setTimeout(answer, 150);
		else answer();
	});
	await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
	fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/blaize/account`;
	return fake;
}

let upstream: FakeAccountServer;
beforeAll(async () => {
	upstream = await startFakeAccountServer();
});
afterAll(() => {
	upstream.server.closeAllConnections();
	upstream.server.close();
});
afterEach(() => {
	upstream.calls.length = 0;
	upstream.mode = 'account';
});

function validator(overrides: Partial<ConstructorParameters<typeof HttpSessions>[0]> = {}) {
	return new HttpSessions({
		url: upstream.url,
		cookieName: 'blaize_session',
		cacheSeconds: 60,
		invalidCacheSeconds: 10,
		// Generous: under a loaded CI machine the first request of a process alone can take a few hundred ms.
		// Only the test of a hanging upstream sets a short timeout.
		timeoutMs: 5_000,
		cacheMaxEntries: 1000,
		maxConcurrentChecks: 100,
		...overrides,
	});
}

describe('HttpSessions', () => {
	it('forwards the session cookie to the account endpoint and reads who it is', async () => {
		const check = await validator().validate('session-jane');
		expect(check).toEqual({
			status: 'valid',
			sessionId: 'session-jane',
			identity: { email: 'jane@example.com', trackingId: 't-1' },
		});
		expect(upstream.calls).toHaveLength(1);
		expect(upstream.calls[0]?.cookie).toBe('blaize_session=session-jane');
	});

	it('treats 401, 403 and 404 as invalid', async () => {
		for (const status of [401, 403, 404]) {
			upstream.mode = status;
			expect(await validator().validate('session-jane')).toEqual({ status: 'invalid', reason: 'unknown' });
		}
	});

	it('answers unavailable, never valid, on upstream errors and timeouts', async () => {
		for (const mode of [500, 502, 302, 'hang'] as const) {
			upstream.mode = mode;
			expect((await validator({ timeoutMs: 200 }).validate('session-jane')).status).toBe('unavailable');
		}
	});

	it('caches valid answers for cacheSeconds', async () => {
		const sessions = validator();
		await sessions.validate('session-jane');
		await sessions.validate('session-jane');
		expect(upstream.calls).toHaveLength(1);
	});

	it('caches invalid answers for invalidCacheSeconds only', async () => {
		const sessions = validator({ invalidCacheSeconds: 1 });
		await sessions.validate('nobody');
		await sessions.validate('nobody');
		expect(upstream.calls).toHaveLength(1);
		await new Promise((resolve) => setTimeout(resolve, 1_050));
		await sessions.validate('nobody');
		expect(upstream.calls).toHaveLength(2);
	});

	it('does not cache an unavailable answer', async () => {
		const sessions = validator();
		upstream.mode = 503;
		expect((await sessions.validate('session-jane')).status).toBe('unavailable');
		upstream.mode = 'account';
		expect((await sessions.validate('session-jane')).status).toBe('valid');
		expect(upstream.calls).toHaveLength(2);
	});

	it('shares one upstream call between concurrent checks of one session', async () => {
		upstream.mode = 'slow';
		const sessions = validator();
		const checks = await Promise.all(Array.from({ length: 20 }, () => sessions.validate('session-jane')));
		expect(checks.every((check) => check.status === 'valid')).toBe(true);
		expect(upstream.calls).toHaveLength(1);
	});

	it('asks upstream about at most maxConcurrentChecks sessions at once, and answers the rest unavailable', async () => {
		upstream.mode = 'slow';
		const outcomes: string[] = [];
		const sessions = validator({ maxConcurrentChecks: 2, onUpstreamCall: (outcome) => outcomes.push(outcome) });
		const checks = await Promise.all(['a', 'b', 'c', 'd'].map((id) => sessions.validate(id)));
		expect(checks.map((check) => check.status)).toEqual(['invalid', 'invalid', 'unavailable', 'unavailable']);
		expect(upstream.calls).toHaveLength(2);
		expect(outcomes.sort()).toEqual(['busy', 'busy', 'invalid', 'invalid']);
	});

	it('keeps the cache bounded by cacheMaxEntries', async () => {
		const sessions = validator({ cacheMaxEntries: 2 });
		for (const id of ['a', 'b', 'c']) await sessions.validate(id);
		await sessions.validate('a'); // evicted by c, so asked again
		expect(upstream.calls).toHaveLength(4);
	});
});

describe('the collector with http session validation', () => {
	let running: StartedCollector;
	beforeAll(async () => {
		running = await startCollector(
			testConfig({ session: { validate: { type: 'http', url: upstream.url, timeoutMs: 5_000 } } }),
		);
	});
	afterAll(() => running.stop());

	const report = (cookieValue: string) => reportSegments(running.url, cookieValue, ['a']);

	it('accepts a session the account endpoint knows', async () => {
		expect((await report('session-jane')).status).toBe(204);
	});

	it('refuses a session the account endpoint does not know', async () => {
		const response = await report('someone-else');
		expect(response.status).toBe(401);
		expect(errorCode(response)).toBe('session_invalid');
	});

	it('answers 503 with Retry-After when the account endpoint fails', async () => {
		upstream.mode = 500;
		const response = await report('fresh-session');
		expect(response.status).toBe(503);
		expect(errorCode(response)).toBe('session_check_unavailable');
		expect(response.headers['retry-after']).toBe('5');
	});

	it('counts upstream calls on /metrics', async () => {
		const metrics = await send(`${running.url}/metrics`, { headers: { authorization: 'Bearer test-api-key-0123456789' } });
		expect(metrics.text).toMatch(/blueconic_bridge_session_upstream_checks_total\{outcome="valid"\} [1-9]/);
		expect(metrics.text).toMatch(/blueconic_bridge_session_upstream_checks_total\{outcome="invalid"\} [1-9]/);
	});
});
