import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sessionKeyOf, sessionKeyText } from '../../server/store/session-key.js';
import { apiKey, askDecision, reportSegments } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';
import {
	type CollectorProcess,
	killCollectorProcesses,
	redisCollectorConfig,
	sessionCookie,
	startCollectorProcess,
} from './collector-process.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let folder: string;
beforeAll(async () => {
	folder = await mkdtemp(join(tmpdir(), 'bcb-redis-processes-'));
});
afterEach(() => killCollectorProcesses());
afterAll(() => rm(folder, { recursive: true, force: true }));

/** A new visitor: the session id (what backends name) and the signed cookie value (what the browser sends). */
function newVisitor(): { sessionId: string; cookie: string } {
	const sessionId = randomUUID();
	return { sessionId, cookie: sessionCookie(sessionId) };
}

async function decision(collector: CollectorProcess, cookie: string, query: string): Promise<unknown> {
	const response = await askDecision(collector.url, cookie, query);
	expect(response.status).toBe(200);
	return (response.json as { result: unknown }).result;
}

function backendGet(collector: CollectorProcess, sessionId: string) {
	return send(`${collector.url}/plugins/blueconic/sessions/${encodeURIComponent(sessionId)}/segments`, {
		headers: { authorization: `Bearer ${apiKey}` },
	});
}

/** Polls until `count` connections listen on `channel`: a collector subscribes there once a decision waits. */
function expectListeners(redis: Redis, channel: string, count: number): Promise<void> {
	return expect.poll(() => redis.pubsub('NUMSUB', channel), { interval: 20 }).toEqual([channel, count]);
}

/**
 * Asks B for a decision with `wait=3000`, waits until B listens on the session's channel, then has A store the
 * report: B must answer `yes` because of A's notice, not because its wait ran out (a wait that ran out would read
 * the report too, so the answer alone proves nothing). The wait is capped at 3000 ms, so no wait can outlast the
 * test; instead a control decision on B, for a visitor who never reports, starts waiting first: it can only end when
 * B's timer runs out, and it runs out before the other wait's would. Answered before the control, the decision was
 * released by the notice. B's own timers decide the order, not a clock in this (possibly starved) test process.
 */
async function expectWaitOnBAnsweredByPostOnA(a: CollectorProcess, b: CollectorProcess, redis: Redis): Promise<void> {
	const answered: string[] = [];
	const control = newVisitor();
	const controlWaiting = askDecision(b.url, control.cookie, 'segment=sports&wait=3000');
	void controlWaiting.then(() => answered.push('control'));
	await expectListeners(redis, `bcb:r:${sessionKeyText(sessionKeyOf(control.sessionId))}`, 1);

	const { sessionId, cookie } = newVisitor();
	const channel = `bcb:r:${sessionKeyText(sessionKeyOf(sessionId))}`;
	const waiting = askDecision(b.url, cookie, 'segment=sports&wait=3000');
	void waiting.then(() => answered.push('reported'));
	await expectListeners(redis, channel, 1);
	expect((await reportSegments(a.url, cookie, ['sports'])).status).toBe(204);

	expect((await waiting).json).toEqual({ segment: 'sports', result: 'yes', source: 'browser' });
	expect((await controlWaiting).json).toMatchObject({ segment: 'sports', result: 'unknown' });
	expect(answered).toEqual(['reported', 'control']);
}

describe('collector processes sharing one Redis', () => {
	let server: RedisServer;
	let redis: Redis;
	beforeAll(async () => {
		server = await startRedisServer();
		redis = new Redis(server.url);
	});
	afterAll(async () => {
		redis?.disconnect();
		await server?.stop();
	});

	it('answer on one instance for a report posted on the other: yes, no, the segments, and unknown before any report', async () => {
		const [a, b] = await Promise.all([
			startCollectorProcess(folder, 'a', redisCollectorConfig(), server.url),
			startCollectorProcess(folder, 'b', redisCollectorConfig(), server.url),
		]);
		const visitor = newVisitor();
		expect(await decision(b, visitor.cookie, 'segment=sports')).toBe('unknown');
		expect((await reportSegments(a.url, visitor.cookie, ['sports', 'news'])).status).toBe(204);
		expect(await decision(b, visitor.cookie, 'segment=sports')).toBe('yes');
		expect(await decision(b, visitor.cookie, 'segment=cars')).toBe('no');
		const held = await backendGet(b, visitor.sessionId);
		expect(held.status).toBe(200);
		expect((held.json as { segments: unknown }).segments).toEqual(['sports', 'news']);

		// An empty report is "in no segment", not "never reported".
		const empty = newVisitor();
		expect((await reportSegments(b.url, empty.cookie, [])).status).toBe(204);
		expect(await decision(a, empty.cookie, 'segment=sports')).toBe('no');

		// Redis holds session digests, never a session id or cookie value.
		const keys = await redis.keys('*');
		expect(keys).toContain(`bcb:s:${sessionKeyText(sessionKeyOf(visitor.sessionId))}`);
		const stored = [...keys, ...(await Promise.all(keys.map((key) => redis.type(key).then((type) => (type === 'string' ? redis.get(key) : '')))))];
		for (const text of stored) {
			expect(text).not.toContain(visitor.sessionId);
			expect(text).not.toContain(empty.sessionId);
		}
	});

	it('answer a decision waiting on one instance as soon as the other stores the report', async () => {
		const [a, b] = await Promise.all([
			startCollectorProcess(folder, 'a', redisCollectorConfig(), server.url),
			startCollectorProcess(folder, 'b', redisCollectorConfig(), server.url),
		]);
		await expectWaitOnBAnsweredByPostOnA(a, b, redis);
		await expectWaitOnBAnsweredByPostOnA(b, a, redis);
	});

	it('keep the segments across a collector restart', async () => {
		const first = await startCollectorProcess(folder, 'a', redisCollectorConfig(), server.url);
		const visitor = newVisitor();
		expect((await reportSegments(first.url, visitor.cookie, ['sports'])).status).toBe(204);
		expect(await first.stop()).toBe(0);
		const restarted = await startCollectorProcess(folder, 'a', redisCollectorConfig(), server.url);
		expect(await decision(restarted, visitor.cookie, 'segment=sports')).toBe('yes');
	});

	it('count the per-session report limit across instances', async () => {
		const config = redisCollectorConfig({ segments: { postsPerMinute: 3 } });
		const [a, b] = await Promise.all([
			startCollectorProcess(folder, 'a', config, server.url),
			startCollectorProcess(folder, 'b', config, server.url),
		]);
		const visitor = newVisitor();
		for (const collector of [a, b, a]) expect((await reportSegments(collector.url, visitor.cookie, ['sports'])).status).toBe(204);
		for (const collector of [b, a]) {
			const refused = await reportSegments(collector.url, visitor.cookie, ['sports']);
			expect(refused.status).toBe(429);
			expect(errorCode(refused)).toBe('too_many_reports');
			expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
			expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
		}
		// Another session has a window of its own.
		expect((await reportSegments(b.url, newVisitor().cookie, ['sports'])).status).toBe(204);
	});
});

describe('collector processes while Redis is down', () => {
	let server: RedisServer;
	let redis: Redis;
	beforeAll(async () => {
		server = await startRedisServer();
		redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
		redis.on('error', () => {});
	});
	afterAll(async () => {
		redis?.disconnect();
		await server?.stop();
	});

	it('answer unknown and 503 with Retry-After, never crash, and recover by themselves once Redis is back', async () => {
		const [a, b] = await Promise.all([
			startCollectorProcess(folder, 'a', redisCollectorConfig(), server.url),
			startCollectorProcess(folder, 'b', redisCollectorConfig(), server.url),
		]);
		const visitor = newVisitor();
		expect((await reportSegments(a.url, visitor.cookie, ['sports'])).status).toBe(204);
		expect(await decision(b, visitor.cookie, 'segment=sports')).toBe('yes');
		for (const collector of [a, b]) expect((await send(`${collector.url}/readyz`)).status).toBe(200);

		await server.kill();

		// Pages: decisions are unknown (with or without a wait, which does not hold the page), never a 5xx.
		expect(await decision(b, visitor.cookie, 'segment=sports')).toBe('unknown');
		expect(await decision(b, visitor.cookie, 'segment=sports&wait=3000')).toBe('unknown');
		// Reports: 503 with Retry-After, answered within the commands' bound rather than held until Redis returns.
		const postedAt = Date.now();
		const refused = await reportSegments(a.url, visitor.cookie, ['news']);
		const answeredInMs = Date.now() - postedAt;
		expect(refused.status).toBe(503);
		expect(errorCode(refused)).toBe('store_unavailable');
		expect(refused.headers['retry-after']).toBe('5');
		console.log(`a report during the outage was answered 503 in ${answeredInMs} ms`);
		expect(answeredInMs).toBeLessThan(5_000); // not a hang (about 1 s: one failing command)
		// Backends: decisions unknown, a session's segments 503 (it may well have some).
		const decided = await send(`${b.url}/plugins/blueconic/decide`, {
			method: 'POST',
			headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({ session: visitor.sessionId, nodes: [{ type: 'manual', segment: 'sports' }] }),
		});
		expect(decided.json).toEqual({ results: [{ segment: 'sports', result: 'unknown', source: 'browser' }] });
		const segments = await backendGet(b, visitor.sessionId);
		expect(segments.status).toBe(503);
		expect(errorCode(segments)).toBe('store_unavailable');
		expect(segments.headers['retry-after']).toBe('5');
		// Probes: not ready, still alive; the metrics say why.
		for (const collector of [a, b]) {
			const readiness = await send(`${collector.url}/readyz`);
			expect(readiness.status).toBe(503);
			expect(readiness.json).toMatchObject({ error: { code: 'not_ready' }, checks: { store: 'failing' } });
			expect((await send(`${collector.url}/healthz`)).status).toBe(200);
		}
		const metrics = await send(`${a.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
		expect(metrics.text).toMatch(/^blueconic_bridge_store_errors_total\{operation="rate_limit"\} [1-9]/m);
		expect(metrics.text).toMatch(/^blueconic_bridge_ready 0$/m);
		expect(metrics.text).toMatch(/^blueconic_bridge_sessions_held nan$/im);

		await server.start(); // empty: this Redis keeps nothing across restarts

		for (const collector of [a, b]) {
			await expect.poll(async () => (await send(`${collector.url}/readyz`)).status, { timeout: 20_000 }).toBe(200);
		}
		expect(await decision(b, visitor.cookie, 'segment=sports')).toBe('unknown');
		expect((await reportSegments(a.url, visitor.cookie, ['sports'])).status).toBe(204);
		expect(await decision(b, visitor.cookie, 'segment=sports')).toBe('yes');
		await expectWaitOnBAnsweredByPostOnA(a, b, redis);
		// One log line for the outage, not one per reconnect attempt.
		expect(a.output().match(/Redis connection lost/g), a.output()).toHaveLength(1);
		// Neither process crashed or was restarted: both drain and exit cleanly, one of them while Redis is down again.
		expect(await a.stop(), a.output()).toBe(0);
		await server.kill();
		expect(await b.stop(), b.output()).toBe(0);
	});
});
