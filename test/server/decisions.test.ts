import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSessionCookie } from '../../server/sessions/signed.js';
import { MemorySegmentStore } from '../../server/store/memory-store.js';
import type { StoreRead } from '../../server/store/segment-store.js';
import { apiKey, askDecision, reportSegments, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { errorCode, send } from './http-client.js';

const host = 'www.publisher.test';
let running: StartedCollector;

beforeAll(async () => {
	running = await startCollector();
});
afterAll(() => running.stop());

/** The collector's in-process store, counting the decisions that start waiting for a report. */
class WaitCountingStore extends MemorySegmentStore {
	waits = 0;

	override waitForReport(sessionKey: string, timeoutMs: number): Promise<StoreRead> {
		this.waits++; // the store registers the waiter before this call returns
		return super.waitForReport(sessionKey, timeoutMs);
	}
}

function newSession(): string {
	return running.collector.memorySessions!.create();
}

async function report(sessionId: string, segmentIds: string[]): Promise<void> {
	const response = await reportSegments(running.url, sessionId, segmentIds);
	expect(response.status).toBe(204);
}


function backend(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
	return send(`${running.url}${path}`, {
		method: init.method ?? 'GET',
		headers: {
			authorization: `Bearer ${init.key ?? apiKey}`,
			...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
	});
}

describe('GET /plugins/public/blueconic/decision', () => {
	it('answers unknown before any report, then yes or no', async () => {
		const sessionId = newSession();
		expect((await askDecision(running.url, sessionId, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'unknown', source: 'browser' });
		await report(sessionId, ['sports']);
		expect((await askDecision(running.url, sessionId, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'yes', source: 'browser' });
		expect((await askDecision(running.url, sessionId, 'segment=golf')).json).toEqual({ segment: 'golf', result: 'no', source: 'browser' });
	});

	it('sends its JSON with a Content-Length (not chunked), errors included', async () => {
		for (const query of ['segment=sports', 'segment=']) {
			const response = await askDecision(running.url, newSession(), query);
			expect(response.headers['transfer-encoding'], query).toBeUndefined();
			expect(Number(response.headers['content-length']), query).toBe(Buffer.byteLength(response.text));
		}
	});

	it('answers no, not unknown, after an empty report', async () => {
		const sessionId = newSession();
		await report(sessionId, []);
		expect((await askDecision(running.url, sessionId, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'no', source: 'browser' });
	});

	it('decides on a featured segment', async () => {
		const sessionId = newSession();
		await report(sessionId, ['premium']);
		const response = await askDecision(running.url, sessionId, 'featured=premium');
		expect(response.json).toEqual({ segment: 'premium', result: 'yes', source: 'browser' });
		expect(response.headers['cache-control']).toBe('no-store');
	});

	it('refuses a featured segment that is not configured, rather than answering no', async () => {
		const response = await askDecision(running.url, newSession(), 'featured=golf');
		expect(response.status).toBe(400);
		expect(errorCode(response)).toBe('unknown_featured_segment');
	});

	it('refuses a query without exactly one of segment and featured', async () => {
		for (const query of ['', 'segment=a&featured=sports', 'segment=', 'segment=a&segment=b']) {
			const response = await askDecision(running.url, newSession(), query);
			expect(response.status, query).toBe(400);
		}
	});

	it('with wait, answers as soon as the first report arrives', async () => {
		// A wait that ran out would read the report too, and a wait cannot outlast the test (3000 ms at most): so a
		// control decision, for a session that never reports, starts waiting first. Only the collector's timer can end
		// it, and that timer runs out before the other decision's would: answered first, the other was released by
		// the report. The store tells when a decision waits (a state), so the report comes after that, never before.
		const store = new WaitCountingStore({ maxSessions: 1_000, ttlSeconds: 60 });
		const own = await startCollector(testConfig(), { store });
		try {
			const answered: string[] = [];
			const control = askDecision(own.url, own.collector.memorySessions!.create(), 'segment=sports&wait=3000');
			void control.then(() => answered.push('control'));
			await expect.poll(() => store.waits).toBe(1);

			const sessionId = own.collector.memorySessions!.create();
			const pending = askDecision(own.url, sessionId, 'segment=sports&wait=3000');
			void pending.then(() => answered.push('reported'));
			await expect.poll(() => store.waits).toBe(2);
			expect((await reportSegments(own.url, sessionId, ['sports'])).status).toBe(204);

			expect((await pending).json).toEqual({ segment: 'sports', result: 'yes', source: 'browser' });
			expect((await control).json).toEqual({ segment: 'sports', result: 'unknown', source: 'browser' });
			expect(answered).toEqual(['reported', 'control']);
		} finally {
			await own.stop();
			await store.close();
		}
	});

	it('with wait, answers unknown when no report arrives in time', async () => {
		const response = await askDecision(running.url, newSession(), 'segment=sports&wait=50');
		expect(response.json).toEqual({ segment: 'sports', result: 'unknown', source: 'browser' });
	});

	it('refuses a segment id longer than maxIdLength, as the backend lookup does', async () => {
		const response = await askDecision(running.url, newSession(), `segment=${'x'.repeat(201)}`);
		expect(response.status).toBe(400);
		expect(errorCode(response)).toBe('segment_id_too_long');
	});

	it('answers decisions over HTTP/2, where the host comes as :authority', async () => {
		const server = createHttp2Server(running.collector.callback() as never);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		const session = connectHttp2(`http://127.0.0.1:${port}`);
		try {
			const sessionId = newSession();
			await report(sessionId, ['sports']);
			const body = await new Promise<string>((resolve, reject) => {
				const stream = session.request({
					':path': '/plugins/public/blueconic/decision?segment=sports',
					':authority': 'www.publisher.test',
					cookie: `blaize_session=${sessionId}`,
				});
				let text = '';
				stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
				stream.on('end', () => resolve(text));
				stream.on('error', reject);
			});
			expect(JSON.parse(body)).toEqual({ segment: 'sports', result: 'yes', source: 'browser' });
		} finally {
			session.close();
			await new Promise((resolve) => server.close(resolve));
		}
	});

	it('refuses a wait over 3000 ms or not a number', async () => {
		for (const wait of ['3001', '-1', 'abc', '1.5', '99999999']) {
			const response = await askDecision(running.url, newSession(), `segment=a&wait=${wait}`);
			expect(response.status, wait).toBe(400);
			expect(errorCode(response)).toBe('invalid_wait');
		}
	});

	it('needs a session, and answers CORS only for the site origins', async () => {
		const noSession = await send(`${running.url}/plugins/public/blueconic/decision?segment=a`, { headers: { host } });
		expect(noSession.status).toBe(401);
		const foreign = await askDecision(running.url, newSession(), 'segment=a', { headers: { origin: 'https://evil.example' } });
		expect(foreign.status).toBe(403);
		const allowed = await askDecision(running.url, newSession(), 'segment=a', { headers: { origin: 'https://www.publisher.test' } });
		expect(allowed.status).toBe(200);
	});

	it('works with signed session cookies', async () => {
		const secret = 'decisions-test-secret-0123';
		const signed = await startCollector(testConfig({ session: { validate: { type: 'signed', secret } } }));
		try {
			const cookie = signSessionCookie('user-7', secret, new Date(Date.now() + 60_000));
			const post = await reportSegments(signed.url, cookie, ['sports']);
			expect(post.status).toBe(204);
			// Backends name the session by its id, the part before the first dot.
			const decided = await send(`${signed.url}/plugins/blueconic/decide`, {
				method: 'POST',
				headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
				body: JSON.stringify({ session: 'user-7', nodes: [{ type: 'manual', segment: 'sports' }] }),
			});
			expect(decided.json).toEqual({ results: [{ segment: 'sports', result: 'yes', source: 'browser' }] });
		} finally {
			await signed.stop();
		}
	});
});

describe('POST /plugins/blueconic/decide', () => {
	it('answers each node: featured and manual, yes, no and unknown', async () => {
		const sessionId = newSession();
		await report(sessionId, ['sports', 'raw-123']);
		const response = await backend('/plugins/blueconic/decide', {
			method: 'POST',
			body: {
				session: sessionId,
				nodes: [
					{ type: 'featured', segment: 'sports' },
					{ type: 'featured', segment: 'premium' },
					{ type: 'manual', segment: 'raw-123' },
				],
			},
		});
		expect(response.status).toBe(200);
		expect(response.json).toEqual({
			results: [
				{ segment: 'sports', result: 'yes', source: 'browser' },
				{ segment: 'premium', result: 'no', source: 'browser' },
				{ segment: 'raw-123', result: 'yes', source: 'browser' },
			],
		});
		const unknown = await backend('/plugins/blueconic/decide', {
			method: 'POST',
			body: { session: 'never-seen', nodes: [{ type: 'manual', segment: 'sports' }] },
		});
		expect(unknown.json).toEqual({ results: [{ segment: 'sports', result: 'unknown', source: 'browser' }] });
	});

	it('refuses a featured node naming a segment that is not featured', async () => {
		const response = await backend('/plugins/blueconic/decide', {
			method: 'POST',
			body: { session: 's', nodes: [{ type: 'manual', segment: 'x' }, { type: 'featured', segment: 'golf' }] },
		});
		expect(response.status).toBe(400);
		expect(response.json).toEqual({
			error: { code: 'unknown_featured_segment', message: 'nodes[1].segment: "golf" is not a featured segment' },
		});
	});

	it('names the invalid field of a malformed request', async () => {
		const cases: Array<[unknown, string]> = [
			[{ nodes: [] }, 'session'],
			[{ session: 's', nodes: [] }, 'nodes: must hold at least one node'],
			[{ session: 's', nodes: [{ type: 'other', segment: 'a' }] }, 'nodes[0].type: must be "featured" or "manual"'],
			[{ session: 's', nodes: [{ type: 'manual' }] }, 'nodes[0].segment'],
			[{ session: 's', nodes: [{ type: 'manual', segment: 'a' }], extra: 1 }, 'extra'],
			[[], 'body'],
		];
		for (const [body, mention] of cases) {
			const response = await backend('/plugins/blueconic/decide', { method: 'POST', body });
			expect(response.status).toBe(400);
			expect(errorCode(response)).toBe('invalid_request');
			expect((response.json as { error: { message: string } }).error.message).toContain(mention);
		}
	});

	it('needs a valid API key', async () => {
		const missing = await send(`${running.url}/plugins/blueconic/decide`, { method: 'POST' });
		expect(missing.status).toBe(401);
		expect(errorCode(missing)).toBe('api_key_missing');
		expect(missing.headers['www-authenticate']).toBe('Bearer');
		const wrong = await backend('/plugins/blueconic/decide', { method: 'POST', key: 'wrong-key-0123456789', body: {} });
		expect(wrong.status).toBe(401);
		expect(errorCode(wrong)).toBe('api_key_invalid');
		expect(wrong.text).not.toContain(apiKey);
	});
});

describe('GET /plugins/blueconic/sessions/:id/segments', () => {
	it('gives the segments last reported and when', async () => {
		const sessionId = newSession();
		const before = Date.now();
		await report(sessionId, ['a', 'b']);
		const response = await backend(`/plugins/blueconic/sessions/${sessionId}/segments`);
		expect(response.status).toBe(200);
		const body = response.json as { segments: string[]; updatedAt: string };
		expect(body.segments).toEqual(['a', 'b']);
		expect(Date.parse(body.updatedAt)).toBeGreaterThanOrEqual(before - 5);
		expect(Date.parse(body.updatedAt)).toBeLessThanOrEqual(Date.now() + 5);
	});

	it('answers 404 for a session that never reported', async () => {
		const response = await backend('/plugins/blueconic/sessions/nobody/segments');
		expect(response.status).toBe(404);
		expect(errorCode(response)).toBe('session_not_found');
	});

	it('needs an API key', async () => {
		expect((await send(`${running.url}/plugins/blueconic/sessions/x/segments`)).status).toBe(401);
	});
});

describe('GET /plugins/blueconic/featured-segments', () => {
	it('gives the configured map', async () => {
		const response = await backend('/plugins/blueconic/featured-segments');
		expect(response.json).toEqual({ sports: 'Sports fans', premium: 'Premium prospects' });
	});
});
