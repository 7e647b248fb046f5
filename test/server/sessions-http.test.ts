import { Agent, createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpSessions } from '../../server/sessions/http.js';
import { askDecision, reportSegments, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { type FakeAccountServer, startFakeAccountServer } from './fake-account-server.js';
import { errorCode, send, type TestResponse } from './http-client.js';

let upstream: FakeAccountServer;
beforeAll(async () => {
	upstream = await startFakeAccountServer();
});
afterAll(() => upstream.close());
afterEach(() => upstream.reset());

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
		// Cached: with a time to live no test outlasts, the second check cannot have found it expired.
		const caching = validator({ invalidCacheSeconds: 60 });
		await caching.validate('nobody');
		await caching.validate('nobody');
		expect(upstream.calls).toHaveLength(1);
		// Only for invalidCacheSeconds, not the valid answers' 60 s: checked again until it asks upstream once more,
		// which a 60 s cache would not do within the poll's 10 s.
		const expiring = validator({ invalidCacheSeconds: 1 });
		await expiring.validate('nobody');
		expect(upstream.calls).toHaveLength(2);
		await expect
			.poll(
				async () => {
					await expiring.validate('nobody');
					return upstream.calls.length;
				},
				{ interval: 100 },
			)
			.toBe(3);
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

	it('keeps the cache of valid answers bounded by cacheMaxEntries', async () => {
		for (const id of ['a', 'b', 'c']) upstream.knownSessions.set(id, {});
		const sessions = validator({ cacheMaxEntries: 2 });
		for (const id of ['a', 'b', 'c']) expect((await sessions.validate(id)).status).toBe('valid');
		await sessions.validate('a'); // evicted by c, so asked again
		expect(upstream.calls).toHaveLength(4);
	});

	// Before: one cache for both answers, so the invalid answers evicted the valid one.
	it('keeps the cache of invalid answers bounded by invalidCacheMaxEntries', async () => {
		const sessions = validator({ invalidCacheMaxEntries: 2 });
		for (const id of ['a', 'b', 'c']) await sessions.validate(id);
		await sessions.validate('a'); // evicted by c, so asked again
		expect(upstream.calls).toHaveLength(4);
	});

	it('never lets invalid answers evict a cached valid session', async () => {
		const sessions = validator({ cacheMaxEntries: 5, invalidCacheMaxEntries: 5 });
		expect((await sessions.validate('session-jane')).status).toBe('valid');
		for (let index = 0; index < 50; index++) await sessions.validate(`made-up-${index}`);
		expect(await sessions.validate('session-jane')).toMatchObject({ status: 'valid' });
		const janeCalls = upstream.calls.filter((headers) => headers.cookie === 'blaize_session=session-jane');
		expect(janeCalls).toHaveLength(1);
		expect(upstream.calls).toHaveLength(51);
	});
});

/** A pino logger writing to memory: the lines exactly as they would reach stdout. */
function memoryLogger() {
	const lines: string[] = [];
	const logger = pino(
		{ level: 'info' },
		new Writable({
			write(chunk: Buffer, _encoding, done) {
				lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
				done();
			},
		}),
	);
	const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
	return { logger, lines, entries };
}

async function closedPortUrl(): Promise<string> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return `http://127.0.0.1:${port}/blaize/account?token=query-secret`;
}

describe('HttpSessions: what a 2xx must carry to count as valid', () => {
	const answerWith =
		(status: number, headers: Record<string, string>, body: string) => (res: ServerResponse) =>
			res.writeHead(status, headers).end(body);

	it('takes 204 as valid, without an identity', async () => {
		upstream.respond = answerWith(204, {}, '');
		expect(await validator().validate('session-x')).toEqual({ status: 'valid', sessionId: 'session-x' });
	});

	it('takes a JSON object as valid: {} without an identity, a Zephr account with one', async () => {
		upstream.respond = answerWith(200, { 'content-type': 'application/json; charset=utf-8' }, '{}');
		expect(await validator().validate('session-x')).toEqual({ status: 'valid', sessionId: 'session-x' });
		upstream.respond = answerWith(
			200,
			{ 'content-type': 'application/json' },
			JSON.stringify({ identifiers: { email_address: 'joe@example.com' }, tracking_id: 't-9', user_id: 'u-9', other: [1] }),
		);
		expect(await validator().validate('session-y')).toEqual({
			status: 'valid',
			sessionId: 'session-y',
			identity: { email: 'joe@example.com', trackingId: 't-9', userId: 'u-9' },
		});
	});

	it('takes a JSON object served without a content type, or as application/*+json, as valid', async () => {
		upstream.respond = answerWith(200, {}, '{"user_id":"u-1"}');
		expect(await validator().validate('session-x')).toMatchObject({ status: 'valid', identity: { userId: 'u-1' } });
		upstream.respond = answerWith(200, { 'content-type': 'application/vnd.account+json' }, '{"user_id":"u-2"}');
		expect(await validator().validate('session-y')).toMatchObject({ status: 'valid', identity: { userId: 'u-2' } });
	});

	it('leaves identity strings over 256 characters out, the session still valid', async () => {
		const longEmail = `${'j'.repeat(300)}@example.com`;
		upstream.respond = answerWith(200, {}, JSON.stringify({ identifiers: { email_address: longEmail }, user_id: 'u-1' }));
		expect(await validator().validate('session-x')).toEqual({ status: 'valid', sessionId: 'session-x', identity: { userId: 'u-1' } });
	});

	const notAccounts: [string, (res: ServerResponse) => void, string][] = [
		['an HTML page (a login page behind a wrong URL)', answerWith(200, { 'content-type': 'text/html' }, '<html>Sign in</html>'), 'answered 200 with Content-Type text/html, not JSON'],
		['unparseable JSON', answerWith(200, { 'content-type': 'application/json' }, '{"user_id":'), 'answered 200 with a body that is not JSON'],
		['a JSON array', answerWith(200, { 'content-type': 'application/json' }, '[]'), 'answered 200 with JSON that is not an object'],
		['JSON true', answerWith(200, { 'content-type': 'application/json' }, 'true'), 'answered 200 with JSON that is not an object'],
		['JSON null', answerWith(200, { 'content-type': 'application/json' }, 'null'), 'answered 200 with JSON that is not an object'],
		['a JSON string', answerWith(201, { 'content-type': 'application/json' }, '"ok"'), 'answered 201 with JSON that is not an object'],
		['an empty 200', answerWith(200, {}, ''), 'answered 200 with an empty body (expected 204 or a JSON object)'],
		['a body over 64 KiB', answerWith(200, {}, JSON.stringify({ padding: 'x'.repeat(70_000) })), 'answered 200 with a body over 65536 bytes'],
	];
	for (const [name, respond, reason] of notAccounts) {
		it(`does not take a 2xx carrying ${name} as valid: unavailable, and says why`, async () => {
			upstream.respond = respond;
			expect(await validator().validate('session-jane')).toEqual({ status: 'unavailable', reason: `session check ${reason}` });
		});
	}

	it('does not take headers followed by a body that never finishes as valid: times out within timeoutMs', async () => {
		// The fake holds the body open until the test is done; the timeout, generous so the headers arrive well
		// within it on a busy machine, runs out while the body is read.
		let held: ServerResponse | undefined;
		upstream.respond = (res) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.write('{"user_id":"u-1",');
			held = res;
		};
		try {
			expect(await validator({ timeoutMs: 3_000 }).validate('session-jane')).toEqual({
				status: 'unavailable',
				reason: 'session check timed out after 3000 ms reading the body',
			});
			expect(held).toBeDefined();
		} finally {
			held?.end('"email":"jane@example.com"}');
		}
	});
});

describe('HttpSessions: logging checks that cannot be made', () => {
	it('logs each failed check once, with its reason and the URL without its query, never the cookie', async () => {
		const { logger, lines, entries } = memoryLogger();
		upstream.mode = 500;
		const sessions = validator({ url: `${upstream.url}?token=query-secret`, logger });
		const checks = await Promise.all(Array.from({ length: 10 }, () => sessions.validate('cookie-value-secret')));
		expect(checks.every((check) => check.status === 'unavailable')).toBe(true);
		expect(upstream.calls).toHaveLength(1);
		expect(entries()).toEqual([expect.objectContaining({ level: 40, url: upstream.url, reason: 'answered 500' })]);
		expect(lines.join('\n')).not.toMatch(/cookie-value-secret|query-secret/);
	});

	it('names timeouts, redirects, refused connections and DNS failures', async () => {
		const { logger, lines, entries } = memoryLogger();
		upstream.mode = 'hang';
		await validator({ logger, timeoutMs: 200 }).validate('cookie-value-secret');
		upstream.mode = 302;
		await validator({ logger }).validate('cookie-value-secret');
		await validator({ logger, url: await closedPortUrl() }).validate('cookie-value-secret');
		// What fetch throws when the host does not resolve (not asked of a real resolver: tests stay on 127.0.0.1).
		const unresolvable: typeof fetch = async () => {
			throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) });
		};
		await validator({ logger, url: 'https://accounts.publisher.test/blaize/account?x=1', fetch: unresolvable }).validate(
			'cookie-value-secret',
		);
		expect(entries().map(({ url, reason }) => ({ url, reason }))).toEqual([
			{ url: upstream.url, reason: 'timed out after 200 ms waiting for the answer' },
			{ url: upstream.url, reason: 'answered 302, a redirect (not followed)' },
			{ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/blaize\/account$/), reason: 'request failed waiting for the answer (ECONNREFUSED)' },
			{ url: 'https://accounts.publisher.test/blaize/account', reason: 'request failed waiting for the answer (ENOTFOUND)' },
		]);
		expect(lines.join('\n')).not.toMatch(/cookie-value-secret|query-secret|x=1/);
	});

	it('logs refusals for lack of slots at most every 10 s, with a count, not once per refusal', async () => {
		const { logger, entries } = memoryLogger();
		upstream.mode = 'slow';
		const sessions = validator({ logger, maxConcurrentChecks: 1 });
		const checks = await Promise.all(Array.from({ length: 10 }, (_, index) => sessions.validate(`made-up-${index}`)));
		expect(checks.filter((check) => check.status === 'unavailable')).toHaveLength(9);
		expect(entries()).toEqual([expect.objectContaining({ url: upstream.url, refused: 1 })]);
	});
});

describe('HttpSessions: a fair share of the upstream checks per client', () => {
	const statusesOf = (checks: { status: string }[]) => checks.map((check) => check.status);

	it('lets one client hold at most maxConcurrentChecksPerClient of them; other clients still get theirs', async () => {
		upstream.mode = 'slow';
		const sessions = validator({ maxConcurrentChecks: 4, maxConcurrentChecksPerClient: 2 });
		const flooder = { remoteAddress: '192.0.2.1' };
		const checks = await Promise.all([
			...['a', 'b', 'c'].map((id) => sessions.validate(id, flooder)),
			...['d', 'e'].map((id) => sessions.validate(id, { remoteAddress: '192.0.2.2' })),
		]);
		expect(statusesOf(checks)).toEqual(['invalid', 'invalid', 'unavailable', 'invalid', 'invalid']);
		expect(upstream.calls).toHaveLength(4);
	});

	it('gives the share back when a check finishes', async () => {
		upstream.mode = 'slow';
		const sessions = validator({ maxConcurrentChecks: 4, maxConcurrentChecksPerClient: 1 });
		const client = { remoteAddress: '192.0.2.1' };
		for (const id of ['a', 'b', 'c']) expect((await sessions.validate(id, client)).status).toBe('invalid');
	});

	it('joins a check in flight of the same session without taking a share', async () => {
		upstream.mode = 'slow';
		const sessions = validator({ maxConcurrentChecks: 4, maxConcurrentChecksPerClient: 1 });
		const client = { remoteAddress: '192.0.2.1' };
		const checks = await Promise.all(Array.from({ length: 5 }, () => sessions.validate('session-jane', client)));
		expect(statusesOf(checks)).toEqual(Array(5).fill('valid'));
	});

	it('counts an IPv6 /64 as one client', async () => {
		upstream.mode = 'slow';
		const sessions = validator({ maxConcurrentChecks: 10, maxConcurrentChecksPerClient: 1 });
		const checks = await Promise.all([
			sessions.validate('a', { remoteAddress: '2001:db8:0:7::1' }),
			sessions.validate('b', { remoteAddress: '2001:db8:0:7:ffff::2' }),
			sessions.validate('c', { remoteAddress: '2001:db8:0:8::1' }),
		]);
		expect(statusesOf(checks)).toEqual(['invalid', 'unavailable', 'invalid']);
	});

	it('ignores X-Forwarded-For unless the peer is a trusted proxy', async () => {
		upstream.mode = 'slow';
		const viaProxy = (forwardedFor: string) => ({ remoteAddress: '10.0.0.5', forwardedFor });
		const untrusting = validator({ maxConcurrentChecks: 10, maxConcurrentChecksPerClient: 1 });
		const trusting = validator({ maxConcurrentChecks: 10, maxConcurrentChecksPerClient: 1, trustedProxies: ['10.0.0.0/8'] });
		const [untrusted, trusted] = await Promise.all([
			Promise.all([untrusting.validate('a', viaProxy('198.51.100.1')), untrusting.validate('b', viaProxy('198.51.100.2'))]),
			Promise.all([trusting.validate('a', viaProxy('198.51.100.1')), trusting.validate('b', viaProxy('198.51.100.2'))]),
		]);
		expect(statusesOf(untrusted)).toEqual(['invalid', 'unavailable']);
		expect(statusesOf(trusted)).toEqual(['invalid', 'invalid']);
	});

	it('counts checks that name no client toward the total only', async () => {
		upstream.mode = 'slow';
		const sessions = validator({ maxConcurrentChecks: 3, maxConcurrentChecksPerClient: 1 });
		const checks = await Promise.all(['a', 'b', 'c', 'd'].map((id) => sessions.validate(id)));
		expect(statusesOf(checks)).toEqual(['invalid', 'invalid', 'invalid', 'unavailable']);
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

/** A request's source: a loopback address to connect from, and an `X-Forwarded-For` to send. */
interface Source {
	localAddress: string;
	forwardedFor?: string;
}
type Ask = (running: StartedCollector, cookieValue: string, agent: Agent, headers: Record<string, string>) => Promise<TestResponse>;

const postReport: Ask = (running, cookieValue, agent, headers) =>
	send(`${running.url}/plugins/public/blueconic/segments`, {
		method: 'POST',
		agent,
		body: '[]',
		headers: { host: 'www.publisher.test', 'content-type': 'application/json', cookie: `blaize_session=${cookieValue}`, ...headers },
	});
const getDecision: Ask = (running, cookieValue, agent, headers) =>
	askDecision(running.url, cookieValue, 'segment=a', { agent, headers });

let cookieCount = 0;
/**
 * Two checks of unknown sessions from two sources: the second is sent once the first is held at the account
 * endpoint. Resolves with the statuses of both, once the held call is answered.
 */
async function secondWhileFirstHeld(running: StartedCollector, ask: Ask, sources: [Source, Source]): Promise<number[]> {
	const agents = sources.map(({ localAddress }) => new Agent({ localAddress }));
	const headersOf = ({ forwardedFor }: Source): Record<string, string> =>
		forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
	try {
		upstream.mode = 'hold';
		const first = ask(running, `unknown-${cookieCount++}`, agents[0] as Agent, headersOf(sources[0]));
		await expect.poll(() => upstream.pending).toBe(1);
		const second = ask(running, `unknown-${cookieCount++}`, agents[1] as Agent, headersOf(sources[1]));
		// The second is either refused at once (503), or asked upstream too.
		let secondAnswered = false;
		const answered = () => {
			secondAnswered = true;
		};
		second.then(answered, answered);
		await expect.poll(() => secondAnswered || upstream.pending === 2).toBe(true);
		upstream.releaseHeld();
		return (await Promise.all([first, second])).map((answer) => answer.status);
	} finally {
		for (const agent of agents) agent.destroy();
	}
}

describe('the collector with http session validation, per client', () => {
	let running: StartedCollector;
	const log = memoryLogger();
	beforeAll(async () => {
		running = await startCollector(
			testConfig({
				session: { validate: { type: 'http', url: `${upstream.url}?via=collector`, timeoutMs: 5_000, maxConcurrentChecksPerClient: 1 } },
			}),
			{ logger: log.logger },
		);
	});
	afterAll(() => running.stop());

	for (const [route, ask] of [
		['the segment listener', postReport],
		['the decision lookup', getDecision],
	] as const) {
		it(`tells the validator which address ${route} serves`, async () => {
			expect(await secondWhileFirstHeld(running, ask, [{ localAddress: '127.0.0.5' }, { localAddress: '127.0.0.5' }])).toEqual([401, 503]);
			expect(await secondWhileFirstHeld(running, ask, [{ localAddress: '127.0.0.6' }, { localAddress: '127.0.0.7' }])).toEqual([401, 401]);
		});
	}

	it('does not believe X-Forwarded-For by default', async () => {
		const sources: [Source, Source] = [
			{ localAddress: '127.0.0.8', forwardedFor: '198.51.100.1' },
			{ localAddress: '127.0.0.8', forwardedFor: '198.51.100.2' },
		];
		expect(await secondWhileFirstHeld(running, postReport, sources)).toEqual([401, 503]);
	});

	it('logs why a check could not be made', async () => {
		upstream.mode = 502;
		expect((await reportSegments(running.url, 'cookie-value-secret', [])).status).toBe(503);
		expect(log.entries()).toContainEqual(expect.objectContaining({ url: upstream.url, reason: 'answered 502' }));
		expect(log.lines.join('\n')).not.toMatch(/cookie-value-secret|via=collector/);
	});
});

describe('the collector with http session validation behind a trusted proxy', () => {
	let running: StartedCollector;
	beforeAll(async () => {
		running = await startCollector(
			testConfig({
				session: { validate: { type: 'http', url: upstream.url, timeoutMs: 5_000, maxConcurrentChecksPerClient: 1 } },
				server: { trustedProxies: ['127.0.0.9'] },
			}),
		);
	});
	afterAll(() => running.stop());

	for (const [route, ask] of [
		['the segment listener', postReport],
		['the decision lookup', getDecision],
	] as const) {
		it(`counts each forwarded client on its own share on ${route}`, async () => {
			const viaProxy = (forwardedFor: string): Source => ({ localAddress: '127.0.0.9', forwardedFor });
			expect(await secondWhileFirstHeld(running, ask, [viaProxy('198.51.100.1'), viaProxy('198.51.100.2')])).toEqual([401, 401]);
			// What a client writes left of its own address does not give it another share.
			expect(await secondWhileFirstHeld(running, ask, [viaProxy('198.51.100.3'), viaProxy('203.0.113.7, 198.51.100.3')])).toEqual([
				401, 503,
			]);
		});
	}
});
