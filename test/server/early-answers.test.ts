import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBlueConic, type FakeBlueConic } from '../fakes/blueconic-rest.js';
import { apiKey, askDecision, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { openRawConnection, pumpBody, requestHead } from './raw-http.js';

// Answers sent before the request body was read (a refused cookie or key, a body over the limit, a rate limit) must
// close the connection: left open, the unread body would be parsed as the next request, or drained first (10 GB of
// it, if the client said so). The client's next request then goes out on a new connection and succeeds.

const megabyte = 1024 * 1024;
let running: StartedCollector;
let blueconic: FakeBlueConic;

beforeAll(async () => {
	blueconic = await startFakeBlueConic();
	running = await startCollector(
		testConfig({
			segments: { postsPerMinute: 1 },
			blueconic: { baseUrl: blueconic.url, clientId: 'test-client', clientSecret: 'test-secret' },
			// A body limit of 200 KB, under the 1 MB these tests send.
			profileSync: { maxUsersPerRequest: 100 },
		}),
	);
});
afterAll(async () => {
	await running.stop();
	await blueconic.close();
});

interface EarlyAnswerCase {
	name: string;
	path: string;
	status: number;
	/** Headers for the request; called once per request (a 429 needs a session that has used its one report). */
	headers: () => Promise<Record<string, string>>;
}

const json = { 'content-type': 'application/json' };
const bearer = { authorization: `Bearer ${apiKey}` };

async function sessionOverItsRate(): Promise<Record<string, string>> {
	const sessionId = running.collector.memorySessions!.create();
	const cookie = `blaize_session=${sessionId}`;
	const first = await postSmall('/plugins/public/blueconic/segments', { ...json, cookie }, '["a"]');
	expect(first.status).toBe(204);
	return { ...json, cookie };
}

const cases: EarlyAnswerCase[] = [
	{
		name: 'a 401 from the segment listener (a made-up session cookie)',
		path: '/plugins/public/blueconic/segments',
		status: 401,
		headers: async () => ({ ...json, cookie: 'blaize_session=made-up' }),
	},
	{
		name: 'a 413 from the segment listener (a body over its limit)',
		path: '/plugins/public/blueconic/segments',
		status: 413,
		headers: async () => ({ ...json, cookie: `blaize_session=${running.collector.memorySessions!.create()}` }),
	},
	{ name: 'a 429 from the segment listener', path: '/plugins/public/blueconic/segments', status: 429, headers: sessionOverItsRate },
	{ name: 'a 401 from the backend decide route (no API key)', path: '/plugins/blueconic/decide', status: 401, headers: async () => json },
	{ name: 'a 413 from the backend decide route', path: '/plugins/blueconic/decide', status: 413, headers: async () => ({ ...json, ...bearer }) },
	{ name: 'a 401 from the profile-sync webhook', path: '/plugins/blueconic/profile-sync', status: 401, headers: async () => json },
	{ name: 'a 413 from the profile-sync webhook', path: '/plugins/blueconic/profile-sync', status: 413, headers: async () => ({ ...json, ...bearer }) },
];

const framings = [
	{ framing: 'Content-Length', head: (bytes: number) => ({ 'content-length': String(bytes) }), chunkHeader: '' },
	// One chunk announced as 1 MB; its bytes follow.
	{ framing: 'chunked', head: () => ({ 'transfer-encoding': 'chunked' }), chunkHeader: `${megabyte.toString(16)}\r\n` },
];

describe.each(framings)('an early answer to a $framing body', ({ head, chunkHeader }) => {
	it.each(cases)('$name closes the connection without waiting for the rest of the body', async ({ path, status, headers }) => {
		const connection = await openRawConnection(running.url);
		connection.socket.write(requestHead('POST', path, { ...(await headers()), ...head(megabyte) }) + chunkHeader);
		// A quarter of the body (past every limit here), then nothing: the server must answer and hang up, not wait.
		connection.socket.write(Buffer.alloc(megabyte / 4, 'a'));
		const response = await connection.responseHead();
		expect(response.status).toBe(status);
		expect(response.headers.connection).toBe('close');
		expect(await connection.closed).toEqual({ endedByServer: true, errorCode: undefined });
	});

	it.each(cases)('after $name, a keep-alive client sends its next request on a new connection, without a reset', async ({ path, status, headers }) => {
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		try {
			const refused = await agentRequest(agent, path, await headers(), Buffer.alloc(megabyte, 'a'), chunkHeader !== '');
			expect(refused.status).toBe(status);
			expect(refused.connection).toBe('close');
			const sessionId = running.collector.memorySessions!.create();
			const next = await agentRequest(agent, '/plugins/public/blueconic/decision?segment=a', { cookie: `blaize_session=${sessionId}` });
			expect(next).toMatchObject({ status: 200, reusedSocket: false });
			expect([refused.errors, next.errors]).toEqual([[], []]);
		} finally {
			agent.destroy();
		}
	});
});

describe('a 10 GB body announced after an early answer', () => {
	it.each([
		['the segment listener', '/plugins/public/blueconic/segments', { cookie: 'blaize_session=made-up' }],
		['the backend decide route', '/plugins/blueconic/decide', {}],
	])('is cut at once by %s, not drained', async (_name, path, headers) => {
		const connection = await openRawConnection(running.url);
		connection.socket.write(requestHead('POST', path, { ...json, ...headers, 'content-length': String(10 * 1024 ** 3) }));
		// The client keeps sending, as fast as the socket takes it, until the server hangs up (at most 1 GB here).
		const written = await pumpBody(connection, 1024 ** 3);
		const response = await connection.responseHead();
		expect(response.status).toBe(401);
		expect(response.headers.connection).toBe('close');
		expect((await connection.closed).endedByServer).toBe(true);
		// Cut after what was in flight when it answered: far from the gigabyte a draining server would have taken.
		expect(written).toBeLessThan(64 * megabyte);
	});
});

describe('answers that read the whole body', () => {
	it('keep the connection open', async () => {
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		try {
			const sessionId = running.collector.memorySessions!.create();
			const first = await agentRequest(agent, '/plugins/public/blueconic/segments', { ...json, cookie: `blaize_session=${sessionId}` }, Buffer.from('["a"]'));
			expect(first).toMatchObject({ status: 204, connection: 'keep-alive' });
			const second = await askDecision(running.url, sessionId, 'segment=a', { agent });
			expect(second.status).toBe(200);
			expect(second.json).toEqual({ segment: 'a', result: 'yes', source: 'browser' });
		} finally {
			agent.destroy();
		}
	});
});

interface AgentAnswer {
	status: number;
	connection: string | undefined;
	reusedSocket: boolean;
	/** Errors the request emitted, after its answer too (a reset while the body was still being sent). */
	errors: string[];
}

/** A request through `agent` on the test site; resolves once answered and any late socket error had time to arrive. */
function agentRequest(agent: Agent, path: string, headers: Record<string, string>, body?: Buffer, chunked = false): Promise<AgentAnswer> {
	return new Promise((resolve, reject) => {
		const errors: string[] = [];
		const req = httpRequest(
			`${running.url}${path}`,
			{
				method: body === undefined ? 'GET' : 'POST',
				agent,
				headers: { host: 'www.publisher.test', ...headers, ...(body && !chunked ? { 'content-length': String(body.length) } : {}) },
			},
			(res) => {
				res.resume();
				res.on('end', () => {
					const answer = { status: res.statusCode ?? 0, connection: res.headers.connection, reusedSocket: req.reusedSocket, errors };
					// The request is over once its socket is either back in the agent's pool or closed.
					if (req.socket?.destroyed !== false || res.headers.connection !== 'close') resolve(answer);
					else req.socket.once('close', () => resolve(answer));
				});
			},
		);
		req.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
		req.setTimeout(10_000, () => reject(new Error(`no answer from ${path} within 10 s on this connection`)));
		if (body === undefined) req.end();
		else if (chunked) {
			// Several chunks, as a streaming client sends them.
			for (let start = 0; start < body.length; start += 64 * 1024) req.write(body.subarray(start, start + 64 * 1024));
			req.end();
		} else req.end(body);
	});
}

function postSmall(path: string, headers: Record<string, string>, body: string): Promise<AgentAnswer> {
	const agent = new Agent({ keepAlive: false });
	return agentRequest(agent, path, headers, Buffer.from(body)).finally(() => agent.destroy());
}
