import { Agent } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorOptions } from '../../server/app.js';
import type { SessionValidator } from '../../server/sessions/session-validator.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { apiKey, askDecision, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { errorCode, send } from './http-client.js';
import { openRawConnection } from './raw-http.js';

describe('listen().stop()', () => {
	it('drains even while a keep-alive client keeps its connection busy', async () => {
		const running = await startCollector();
		const sessionId = running.collector.memorySessions!.create();
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		let sending = true;
		const answers: Array<string | string[] | undefined> = [];
		// A client that never lets its one keep-alive connection go idle: each request waits 300 ms for a report
		// that never comes, and the next follows at once on the same connection.
		const client = (async () => {
			while (sending) {
				try {
					const answer = await askDecision(running.url, sessionId, 'segment=a&wait=300', { agent });
					answers.push(answer.headers.connection);
				} catch {
					return; // the server closed: what a drained server does
				}
			}
		})();
		// Stop while the second request is being answered (a fixed delay could land between two requests, when the
		// connection is idle for an instant and a drain rightly closes it).
		await new Promise<void>((resolve) => {
			let requests = 0;
			running.server.on('request', () => {
				if (++requests === 2) resolve();
			});
		});
		// Drained, the request in flight is answered (with Connection: close) and nothing is left to cut; a server
		// that could not drain the busy connection would wait out the 10 s grace and cut it.
		expect(await running.stop()).toEqual({ status: 'finished' });
		sending = false;
		await client;
		agent.destroy();
		expect(answers.at(-1)).toBe('close');
	});
});

describe('listen().stop(): a bounded shutdown', () => {
	const stopping: StartedCollector[] = [];
	afterEach(async () => {
		for (const running of stopping.splice(0)) await running.stop();
	});
	async function start(config = testConfig(), options: CollectorOptions = {}): Promise<StartedCollector> {
		const running = await startCollector(config, options);
		stopping.push(running);
		return running;
	}
	function nextRequestArrives(running: StartedCollector): Promise<void> {
		return new Promise((resolve) => running.server.once('request', () => resolve()));
	}

	it('finishes at once when only idle and half-open connections are left, and closes them', async () => {
		const running = await start();
		const silent = await openRawConnection(running.url);
		const halfSent = await openRawConnection(running.url);
		halfSent.socket.write('GET /healthz HTTP/1.1\r\nHost: www.publisher.test\r\n'); // the blank line never comes
		const idle = new Agent({ keepAlive: true });
		try {
			expect((await send(`${running.url}/healthz`, { agent: idle })).status).toBe(200);
			expect(await running.stop()).toEqual({ status: 'finished' });
			// Closed by the server: this test never closes them.
			await silent.closed;
			await halfSent.closed;
		} finally {
			idle.destroy();
		}
	});

	it('lets a request in flight finish, and says it finished', async () => {
		const running = await start();
		const sessionId = running.collector.memorySessions!.create();
		const arrived = nextRequestArrives(running);
		const answer = askDecision(running.url, sessionId, 'segment=a&wait=1000');
		await arrived;
		const stopped = running.stop();
		expect((await answer).json).toEqual({ segment: 'a', result: 'unknown', source: 'browser' });
		expect(await stopped).toEqual({ status: 'finished' });
	});

	it('cuts, and counts, a request that cannot finish within the grace', async () => {
		// A session check that never answers: nothing can end this request but closing its connection.
		const neverAnswers: SessionValidator = { validate: () => new Promise(() => {}) };
		const running = await start(testConfig({ server: { shutdownGraceSeconds: 0.5 } }), { sessions: neverAnswers });
		const arrived = nextRequestArrives(running);
		const answer = askDecision(running.url, 'any', 'segment=a').then(
			() => 'answered',
			(error: NodeJS.ErrnoException) => error.code,
		);
		await arrived;
		expect(await running.stop()).toEqual({ status: 'cut', requestsCut: 1 });
		expect(await answer).toBe('ECONNRESET');
	});

	it('keeps serving, and accepting connections, for server.drainSeconds while it reports not ready', async () => {
		const running = await start(testConfig({ server: { drainSeconds: 5 } }));
		const sessionId = running.collector.memorySessions!.create();
		let stopped = false;
		const stopping = running.stop().then((outcome) => {
			stopped = true;
			return outcome;
		});
		// The readiness check load balancers use: /readyz where the collector has one, /healthz before it.
		const readyz = await send(`${running.url}/readyz`);
		const readiness = readyz.status === 404 ? await send(`${running.url}/healthz`) : readyz;
		expect(readiness.status).toBe(503);
		// A new connection, a new request: still answered, and told to reconnect (elsewhere) next time.
		const answer = await askDecision(running.url, sessionId, 'segment=a');
		expect(answer.status).toBe(200);
		expect(answer.headers.connection).toBe('close');
		expect(stopped).toBe(false);
		expect(await stopping).toEqual({ status: 'finished' });
		await expect(send(`${running.url}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
	});
});

describe('listen().stop() with a webhook waiting on a slow BlueConic', () => {
	let blueconic: FakeBlueConic;
	beforeAll(async () => {
		blueconic = await startFakeBlueConic();
	});
	afterAll(() => blueconic.close());

	it('aborts the BlueConic call at the end of the grace: the webhook answers 503 with Retry-After, and no PUT follows', async () => {
		const putsAt: number[] = [];
		const slow = blueconic.inject({
			kind: 'delay',
			delayMs: 60_000,
			times: Infinity,
			when: () => putsAt.push(Date.now()) > 0,
		});
		const running = await startCollector(
			testConfig({
				server: { shutdownGraceSeconds: 1 },
				// Without the abort, BlueConic's timeout and retries would hold the webhook (and the shutdown) for minutes.
				blueconic: { baseUrl: blueconic.url, clientId: 'test-client', clientSecret: 'test-secret', timeoutMs: 30_000 },
			}),
		);
		try {
			const answer = send(`${running.url}/plugins/blueconic/profile-sync`, {
				method: 'POST',
				headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
				body: JSON.stringify({ email: 'slow@example.com' }),
			});
			await expect.poll(() => putsAt.length).toBe(1);
			const stopped = running.stop();
			const response = await answer;
			const answeredAt = Date.now();
			expect(response.status).toBe(503);
			expect(errorCode(response)).toBe('shutting_down');
			expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
			expect(await stopped).toEqual({ status: 'finished' });
			expect(putsAt.every((at) => at < answeredAt)).toBe(true);
			expect(putsAt).toHaveLength(1);
		} finally {
			slow.remove();
			await running.stop();
		}
	});
});
