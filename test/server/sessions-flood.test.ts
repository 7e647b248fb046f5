import { Agent } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { type FakeAccountServer, startFakeAccountServer } from './fake-account-server.js';
import { send, type TestResponse } from './http-client.js';

/**
 * Floods of made-up session cookies against the `http` validator, over real HTTP on 127.0.0.1: the flooder and
 * the real visitors connect from distinct loopback source addresses (127.0.0.2, 127.0.1.x), which the collector
 * sees as their remote addresses. The account endpoint answers after 100 ms: 200 for the sessions it knows,
 * 401 for the others.
 */

const flooderAddress = '127.0.0.2';
// A flood stops as soon as the real visitors are done. Its own bounds only keep a broken run finite: the time cap
// (far longer than the visitors take even on a busy machine) binds first, the count (far more than any machine
// sends within the cap: about 550 a second here) is a safety net. A flood that hit either ran out before the
// visitors were done, and the test fails rather than measure visitors who faced no flood.
const floodTimeCapMs = 60_000;
const maxFloodRequests = 1_000_000;

let upstream: FakeAccountServer;
beforeAll(async () => {
	upstream = await startFakeAccountServer();
});
afterAll(() => upstream.close());
afterEach(() => upstream.reset());

async function startHttpCollector(validate: Partial<Extract<CollectorConfigInput['session']['validate'], { type: 'http' }>>) {
	return startCollector(testConfig({ session: { validate: { type: 'http', url: upstream.url, timeoutMs: 10_000, ...validate } } }));
}

function report(running: StartedCollector, cookieValue: string, agent: Agent): Promise<TestResponse> {
	return send(`${running.url}/plugins/public/blueconic/segments`, {
		method: 'POST',
		agent,
		body: '["a"]',
		headers: { host: 'www.publisher.test', 'content-type': 'application/json', cookie: `blaize_session=${cookieValue}` },
	});
}

interface Flood {
	statuses: Map<number, number>;
	sent: number;
	/** Whether the flood stopped by itself, at its time cap or count bound, rather than when told to. */
	ranOut(): boolean;
	/** Stops sending; resolves once every request in flight has its answer. */
	stop(): Promise<void>;
}

/** Keeps `concurrency` reports with never-seen cookies in flight from `localAddress`, until stopped. */
function startFlood(running: StartedCollector, localAddress: string, concurrency: number): Flood {
	const agent = new Agent({ localAddress, keepAlive: true, maxSockets: concurrency });
	let stopping = false;
	const deadline = Date.now() + floodTimeCapMs;
	const flood: Flood = {
		statuses: new Map(),
		sent: 0,
		ranOut: () => flood.sent >= maxFloodRequests || Date.now() >= deadline,
		async stop() {
			stopping = true;
			await Promise.all(lanes);
			agent.destroy();
		},
	};
	const lane = async () => {
		while (!stopping && !flood.ranOut()) {
			const { status } = await report(running, `made-up-${flood.sent++}`, agent);
			flood.statuses.set(status, (flood.statuses.get(status) ?? 0) + 1);
		}
	};
	const lanes = Array.from({ length: concurrency }, lane);
	return flood;
}

describe('250 concurrent made-up cookies from one address', () => {
	let running: StartedCollector;
	beforeAll(async () => {
		running = await startHttpCollector({}); // the defaults: 100 checks at once, 10 per client
	});
	afterAll(() => running.stop());

	it('do not push real visitors from other addresses out: every new real session is accepted', async () => {
		upstream.delayMs = 100;
		const realSessions = Array.from({ length: 60 }, (_, index) => `real-${index}`);
		for (const sessionId of realSessions) upstream.knownSessions.set(sessionId, { user_id: sessionId });
		const flood = startFlood(running, flooderAddress, 250);
		const statuses: number[] = [];
		let floodRanThroughout = false;
		try {
			// The flood is at full strength once the collector starts refusing its checks as busy.
			await expect.poll(() => flood.statuses.get(503) ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
			// Real visitors: six at a time, each batch from its own address, every one a session never checked before.
			for (let batch = 0; batch < realSessions.length / 6; batch++) {
				const agent = new Agent({ localAddress: `127.0.1.${batch + 1}` });
				const answers = await Promise.all(realSessions.slice(batch * 6, batch * 6 + 6).map((id) => report(running, id, agent)));
				agent.destroy();
				statuses.push(...answers.map((answer) => answer.status));
			}
			floodRanThroughout = !flood.ranOut();
		} finally {
			await flood.stop();
		}
		const accepted = statuses.filter((status) => status === 204).length;
		console.info(
			`real sessions accepted under the flood: ${accepted}/${statuses.length}; flood: ${flood.sent} requests, ` +
				`answers ${JSON.stringify(Object.fromEntries(flood.statuses))}, at most ${upstream.mostPending} upstream calls at once`,
		);
		expect(statuses).toEqual(realSessions.map(() => 204));
		expect(floodRanThroughout).toBe(true);
		// The flood was real: its made-up sessions were refused (401) or not checked (503), never accepted.
		expect(flood.statuses.get(204)).toBeUndefined();
		expect(flood.statuses.get(401)).toBeGreaterThan(0);
		expect(flood.statuses.get(503)).toBeGreaterThan(0);
		// And the publisher's endpoint never had more than maxConcurrentChecks (default 100) calls at once.
		expect(upstream.mostPending).toBeLessThanOrEqual(100);
	}, 120_000);
});

describe('more made-up cookies than the caches hold', () => {
	let running: StartedCollector;
	beforeAll(async () => {
		running = await startHttpCollector({ cacheMaxEntries: 20, invalidCacheMaxEntries: 20 });
	});
	afterAll(() => running.stop());

	it('do not evict a cached valid session: the account endpoint is not asked about it again', async () => {
		const jane = new Agent({ localAddress: '127.0.1.1' });
		const flooder = new Agent({ localAddress: flooderAddress, keepAlive: true });
		try {
			expect((await report(running, 'session-jane', jane)).status).toBe(204);
			// 500 made-up cookies, ten at a time (the flooder's share of concurrent checks): each answered 401 and cached.
			for (let batch = 0; batch < 50; batch++) {
				const answers = await Promise.all(
					Array.from({ length: 10 }, (_, index) => report(running, `made-up-${batch}-${index}`, flooder)),
				);
				expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(401));
			}
			expect((await report(running, 'session-jane', jane)).status).toBe(204);
		} finally {
			jane.destroy();
			flooder.destroy();
		}
		expect(upstream.calls.filter((headers) => headers.cookie === 'blaize_session=session-jane')).toHaveLength(1);
		expect(upstream.calls).toHaveLength(501);
	});
});
