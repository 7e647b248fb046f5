import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecisionClient, DecisionClientError, isDecisionClientError } from '../../client/index.js';
import { startListening } from '../../server/listen.js';
import { apiKey, startTestCollector, type TestCollector } from './collector-fixture.js';

let collector: TestCollector;

beforeAll(async () => {
	collector = await startTestCollector();
});

afterAll(async () => {
	await collector.stop();
});

/** Runs `call` and returns the error it throws, failing the test if it does not throw one. */
async function thrownBy(call: () => Promise<unknown>): Promise<DecisionClientError> {
	try {
		await call();
	} catch (error) {
		if (isDecisionClientError(error)) return error;
		throw error;
	}
	throw new Error('expected the call to throw a DecisionClientError');
}

describe('decide', () => {
	it('answers yes, no and unknown per node', async () => {
		const client = createDecisionClient({ baseUrl: collector.url, apiKey });
		const reported = collector.createSession();
		const silent = collector.createSession();
		await collector.reportSegments(reported, ['sports-fans', 'tech-readers']);

		expect(
			await client.decide(reported, [
				{ type: 'featured', segment: 'sports-fans' },
				{ type: 'featured', segment: 'premium-prospects' },
				{ type: 'manual', segment: 'tech-readers' },
			]),
		).toEqual({
			results: [
				{ segment: 'sports-fans', result: 'yes', source: 'browser' },
				{ segment: 'premium-prospects', result: 'no', source: 'browser' },
				{ segment: 'tech-readers', result: 'yes', source: 'browser' },
			],
		});
		expect(await client.decide(silent, [{ type: 'featured', segment: 'sports-fans' }])).toEqual({
			results: [{ segment: 'sports-fans', result: 'unknown', source: 'browser' }],
		});
	});

	it('tells "no" (reported an empty set) from "unknown" (never reported)', async () => {
		const client = createDecisionClient({ baseUrl: collector.url, apiKey });
		const emptyReport = collector.createSession();
		await collector.reportSegments(emptyReport, []);

		expect(await client.isInSegment(emptyReport, 'sports-fans')).toBe('no');
		expect(await client.isInSegment(collector.createSession(), 'sports-fans')).toBe('unknown');
	});

	it('surfaces a featured node naming no featured segment as a typed 400', async () => {
		const client = createDecisionClient({ baseUrl: collector.url, apiKey });
		const error = await thrownBy(() => client.decide(collector.createSession(), [{ type: 'featured', segment: 'not-featured' }]));

		expect(error).toBeInstanceOf(DecisionClientError);
		expect(error.status).toBe(400);
		expect(error.code).toBe('unknown_featured_segment');
		expect(error.message).toContain('nodes[0].segment');
	});
});

describe('isInSegment', () => {
	it('follows the session as its report changes', async () => {
		const client = createDecisionClient({ baseUrl: `${collector.url}/`, apiKey });
		const sessionId = collector.createSession();

		expect(await client.isInSegment(sessionId, 'premium-prospects')).toBe('unknown');
		await collector.reportSegments(sessionId, ['premium-prospects']);
		expect(await client.isInSegment(sessionId, 'premium-prospects')).toBe('yes');
		await collector.reportSegments(sessionId, ['sports-fans']);
		expect(await client.isInSegment(sessionId, 'premium-prospects')).toBe('no');
	});
});

describe('sessionSegments', () => {
	it('returns the last report and when it arrived', async () => {
		const client = createDecisionClient({ baseUrl: collector.url, apiKey });
		const sessionId = collector.createSession();
		const before = Date.now();
		await collector.reportSegments(sessionId, ['sports-fans', 'tech-readers']);

		const held = await client.sessionSegments(sessionId);
		expect(held?.segments).toEqual(['sports-fans', 'tech-readers']);
		expect(held?.updatedAt).toBeInstanceOf(Date);
		expect(held?.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
		expect(held?.updatedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
	});

	it('returns undefined for a session that never reported', async () => {
		const client = createDecisionClient({ baseUrl: collector.url, apiKey });

		expect(await client.sessionSegments(collector.createSession())).toBeUndefined();
		expect(await client.sessionSegments('an id / with ? odd characters')).toBeUndefined();
	});

	it('keeps a 404 that is not "session not found" (a wrong base URL) an error', async () => {
		const client = createDecisionClient({ baseUrl: `${collector.url}/wrong-prefix`, apiKey });
		const error = await thrownBy(() => client.sessionSegments(collector.createSession()));

		expect(error.status).toBe(404);
		expect(error.code).toBe('not_found');
	});
});

describe('featuredSegments', () => {
	it('returns the configured map', async () => {
		const client = createDecisionClient({ baseUrl: collector.url, apiKey });

		expect(await client.featuredSegments()).toEqual({ 'sports-fans': 'Sports fans', 'premium-prospects': 'Premium prospects' });
	});
});

describe('errors', () => {
	it('surfaces a wrong API key as a typed 401 without revealing the key', async () => {
		const wrongKey = 'wrong-key-that-must-stay-secret';
		const client = createDecisionClient({ baseUrl: collector.url, apiKey: wrongKey });

		for (const call of [
			() => client.isInSegment('s', 'sports-fans'),
			() => client.sessionSegments('s'),
			() => client.featuredSegments(),
		]) {
			const error = await thrownBy(call);
			expect(error.status).toBe(401);
			expect(error.code).toBe('api_key_invalid');
			expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(wrongKey);
		}
	});

	it('fails with code "timeout" when the collector does not answer in time', async () => {
		await withSilentServer(async (url) => {
			const client = createDecisionClient({ baseUrl: url, apiKey, timeoutMs: 150 });
			const startedAt = Date.now();
			const error = await thrownBy(() => client.isInSegment('a-session-id', 'sports-fans'));

			expect(error.code).toBe('timeout');
			expect(error.status).toBeUndefined();
			expect(error.message).toContain('150 ms');
			expect(error.message).not.toContain(apiKey);
			expect(Date.now() - startedAt).toBeLessThan(5_000);
		});
	});

	it('keeps session ids out of messages', async () => {
		await withSilentServer(async (url) => {
			const client = createDecisionClient({ baseUrl: url, apiKey, timeoutMs: 50 });
			const error = await thrownBy(() => client.sessionSegments('secret-session-id'));

			expect(error.message).toContain('/plugins/blueconic/sessions/:sessionId/segments');
			expect(error.message).not.toContain('secret-session-id');
		});
	});

	it('names the route template, never the session id, when a wrong baseUrl reaches the collector\'s router', async () => {
		const client = createDecisionClient({ baseUrl: `${collector.url}/wrong-prefix`, apiKey });
		for (const sessionId of [randomBytes(32).toString('base64url'), 'a session/id with ? and % in it']) {
			const error = await thrownBy(() => client.sessionSegments(sessionId));

			expect(error.status).toBe(404);
			expect(error.code).toBe('not_found');
			expect(error.message).toContain('GET /plugins/blueconic/sessions/:sessionId/segments');
			expectNoSessionId(error, sessionId);
		}
	});

	it('keeps the session id out of a 404 body that echoes the path, whole, cut short or decoded', async () => {
		const sessionId = `${randomBytes(48).toString('base64url')}/and=more`;
		const echoes: Array<(path: string) => string> = [
			(path) => `no route for ${path}`,
			(path) => `no route for ${path.slice(0, 60)}`,
			(path) => `Cannot GET "${decodeURIComponent(path)}"`,
		];
		for (const echo of echoes) {
			await withServer(
				(request, response) => {
					response.writeHead(404, { 'Content-Type': 'application/json' });
					response.end(JSON.stringify({ error: { code: 'not_found', message: echo(request.url ?? '') } }));
				},
				async (url) => {
					const client = createDecisionClient({ baseUrl: url, apiKey });
					const error = await thrownBy(() => client.sessionSegments(sessionId));

					expect(error.status).toBe(404);
					expect(error.message).toContain('/plugins/blueconic/sessions/:sessionId/segments');
					expectNoSessionId(error, sessionId);
				},
			);
		}
	});

	it('keeps the session id out of an error answer to decide that repeats it', async () => {
		const sessionId = randomBytes(32).toString('base64url');
		await withServer(
			(_request, response) => {
				response.writeHead(400, { 'Content-Type': 'application/json' });
				response.end(JSON.stringify({ error: { code: 'invalid_request', message: `session "${sessionId}" is odd` } }));
			},
			async (url) => {
				const error = await thrownBy(() => createDecisionClient({ baseUrl: url, apiKey }).isInSegment(sessionId, 'x'));

				expect(error.code).toBe('invalid_request');
				expect(error.message).toContain('POST /plugins/blueconic/decide');
				expectNoSessionId(error, sessionId);
			},
		);
	});

	it('takes an error body that is not the collector\'s (no snake_case code) as a bare HTTP error', async () => {
		await withServer(
			(_request, response) => {
				response.writeHead(502, { 'Content-Type': 'application/json' });
				response.end(JSON.stringify({ error: { code: 'Bad Gateway: upstream /x', message: 'upstream down' } }));
			},
			async (url) => {
				const error = await thrownBy(() => createDecisionClient({ baseUrl: url, apiKey }).featuredSegments());

				expect(error.code).toBe('http_error');
				expect(error.message).toBe('the collector answered GET /plugins/blueconic/featured-segments with HTTP 502');
			},
		);
	});

	it('fails with code "aborted" when the caller aborts', async () => {
		await withSilentServer(async (url) => {
			const client = createDecisionClient({ baseUrl: url, apiKey, timeoutMs: 10_000 });
			const controller = new AbortController();
			setTimeout(() => controller.abort(), 50);
			const error = await thrownBy(() => client.featuredSegments({ signal: controller.signal }));

			expect(error.code).toBe('aborted');
		});
	});

	it('fails with code "network_error" when nothing listens', async () => {
		let closedUrl = '';
		await withSilentServer(async (url) => {
			closedUrl = url;
		});
		const client = createDecisionClient({ baseUrl: closedUrl, apiKey });
		const error = await thrownBy(() => client.featuredSegments());

		expect(error.code).toBe('network_error');
		expect(error.message).toContain('ECONNREFUSED');
	});

	it('fails with code "invalid_response" for an answer that is not the collector\'s', async () => {
		const client = createDecisionClient({
			baseUrl: 'http://collector.invalid',
			apiKey,
			fetch: async () => new Response(JSON.stringify({ results: [{ segment: 'x', result: 'maybe' }] }), { status: 200 }),
		});
		const error = await thrownBy(() => client.isInSegment('s', 'x'));

		expect(error.code).toBe('invalid_response');
	});

	it('checks its options once, naming the bad one', () => {
		expect(() => createDecisionClient({ baseUrl: 'collector.example.com', apiKey })).toThrow(/baseUrl/);
		expect(() => createDecisionClient({ baseUrl: collector.url, apiKey: '' })).toThrow(/apiKey/);
		expect(() => createDecisionClient({ baseUrl: collector.url, apiKey, timeoutMs: 0 })).toThrow(/timeoutMs/);
		// fetch would refuse these with a message quoting the whole URL, session id included.
		expect(() => createDecisionClient({ baseUrl: 'http://user:password@collector.example.com', apiKey })).toThrow(/baseUrl/);
		expect(() => createDecisionClient({ baseUrl: 'http://collector.example.com/?tenant=1', apiKey })).toThrow(/baseUrl/);
	});
});

/** Fails unless the error, in every form a log could show it, holds no form of the session id. */
function expectNoSessionId(error: DecisionClientError, sessionId: string): void {
	const shown = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
	const encoded = encodeURIComponent(sessionId);
	for (const form of [sessionId, encoded, sessionId.slice(0, 16), encoded.slice(0, 16), sessionId.slice(-12), encoded.slice(-12)]) {
		expect(shown).not.toContain(form);
	}
}

/** Runs `test` against a server on 127.0.0.1 that takes requests and never answers them; closes it after. */
async function withSilentServer(test: (url: string) => Promise<void>): Promise<void> {
	await withServer(() => {}, test);
}

/** Runs `test` against a server on 127.0.0.1 answering with `listener`; closes it after. */
async function withServer(listener: RequestListener, test: (url: string) => Promise<void>): Promise<void> {
	const server: Server = createServer(listener);
	const url = await startListening(server, 0, '127.0.0.1');
	try {
		await test(url);
	} finally {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}
