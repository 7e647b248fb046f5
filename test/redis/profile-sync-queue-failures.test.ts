import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listFailedJobs, retryFailedJobs } from '../../server/profile-sync/queue/inspect.js';
import { type FakeBlueConic, type LoggedRequest, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { counterValue, profileWrites } from '../profile-sync/helpers.js';
import { apiKey, type StartedCollector, startCollector } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';
import { freshKeyPrefix, postProfiles, queuedCollectorConfig, waitUntilQueueIsIdle } from './profile-sync-queue-fixture.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let redis: RedisServer;
let fake: FakeBlueConic;
const collectors: StartedCollector[] = [];

beforeAll(async () => {
	// Persisting, so that the queue survives the outage test's kill and restart.
	redis = await startRedisServer({ persist: true });
});
afterAll(async () => {
	await redis.stop();
});
// A fresh BlueConic per test: its profiles and requests are that test's alone.
beforeEach(async () => {
	fake = await startFakeBlueConic();
});
afterEach(async () => {
	for (const collector of collectors.splice(0)) await collector.stop();
	await fake.close();
});

async function start(profileSync: Record<string, unknown> = {}): Promise<StartedCollector> {
	const collector = await startCollector(queuedCollectorConfig(redis, fake, freshKeyPrefix(), profileSync));
	collectors.push(collector);
	return collector;
}

function queueOf(collector: StartedCollector) {
	const queue = collector.collector.profileSyncQueue;
	if (queue === undefined) throw new Error('the collector has no queue');
	return queue;
}

const outcomes = (collector: StartedCollector, outcome: string) =>
	counterValue(collector.collector.metrics.registry, 'blueconic_bridge_profile_sync_queue_outcomes_total', { outcome });

const carries = (email: string) => (request: LoggedRequest) =>
	Array.isArray(request.body) && (request.body as { identifier?: string }[]).some((entry) => entry.identifier === email);

describe('the profile-sync queue when things fail', () => {
	it('loses nothing while BlueConic is down for a while, and delivers once it is back', async () => {
		const collector = await start();
		const outage = fake.inject({ kind: 'status', status: 503, times: Infinity });
		const users = Array.from({ length: 50 }, (_, index) => ({ email: `patient${index}@example.com` }));
		expect((await postProfiles(collector.url, users)).status).toBe(202);
		await expect.poll(() => profileWrites(fake).filter((request) => request.status === 503).length).toBeGreaterThanOrEqual(3);
		outage.remove();
		await expect.poll(() => fake.profiles.size).toBe(50);
		await waitUntilQueueIsIdle(queueOf(collector));
		expect(await queueOf(collector).jobCounts()).toMatchObject({ failed: 0 });
	});

	it('retries in the queue only: each failed PUT is one queue attempt, the client itself retries nothing', async () => {
		const collector = await start();
		// blueconic.retry allows the client 4 attempts of its own; on this path it must not use them.
		fake.inject({ kind: 'status', status: 500, times: 3 });
		expect((await postProfiles(collector.url, { email: 'once@example.com' })).status).toBe(202);
		await expect.poll(() => fake.profiles.has('once@example.com')).toBe(true);
		expect(profileWrites(fake).map((request) => request.status)).toEqual([500, 500, 500, 200]);
		expect(await outcomes(collector, 'retried')).toBe(3);
		const registry = collector.collector.metrics.registry;
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_blueconic_retries_total', { cause: 'server_error' })).toBe(0);
	});

	it("pauses the whole queue for BlueConic's Retry-After on a 429, without using up an attempt", async () => {
		const collector = await start();
		fake.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '1' }, times: 1 });
		expect((await postProfiles(collector.url, { email: 'throttled@example.com' })).status).toBe(202);
		await expect.poll(() => fake.profiles.has('throttled@example.com')).toBe(true);
		const [throttled, accepted] = profileWrites(fake);
		expect([throttled?.status, accepted?.status]).toEqual([429, 200]);
		expect((accepted?.receivedAt ?? 0) - (throttled?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
		expect(await outcomes(collector, 'paused')).toBe(1);
		expect(await outcomes(collector, 'retried')).toBe(0);
	});

	it('never lets a retried older update overwrite a newer one of the same email', async () => {
		// The first attempt fails and its job waits 1.5 s or more for its retry; the newer update goes meanwhile.
		const collector = await start({ queue: { retry: { maxAttempts: 5, baseDelayMs: 1_500, maxDelayMs: 2_000 } } });
		fake.inject({ kind: 'status', status: 503, times: 1 });
		await postProfiles(collector.url, { email: 'jane@example.com', attributes: { 'first-name': 'Jane', age: 30 } });
		await expect.poll(() => profileWrites(fake).length).toBe(1);
		await postProfiles(collector.url, { email: 'jane@example.com', attributes: { 'first-name': 'Janet' } });
		await expect.poll(() => fake.profiles.get('jane@example.com')?.properties.firstname).toEqual(['Janet']);
		await waitUntilQueueIsIdle(queueOf(collector));
		// The newer send carried the older update's age too; the older job's retry found nothing left to send.
		expect(fake.profiles.get('jane@example.com')?.properties).toEqual({ email: ['jane@example.com'], firstname: ['Janet'], age: ['30'] });
		expect(profileWrites(fake).map((request) => request.status)).toEqual([503, 200]);
		expect(await outcomes(collector, 'covered')).toBe(1);
	});

	it('keeps a user BlueConic did not store as failed, with the reason, and sends it again on retry', async () => {
		const collector = await start({ objectiveIds: ['newsletter'] });
		fake.setConsentedObjectives('consented@example.com', ['newsletter']);
		const users = [{ email: 'consented@example.com' }, { email: 'unconsented@example.com', userId: 'u-7' }];
		expect((await postProfiles(collector.url, users)).status).toBe(202);
		const queue = queueOf(collector);
		await expect.poll(async () => (await queue.jobCounts()).failed).toBe(1);
		expect(fake.profiles.has('consented@example.com')).toBe(true);
		expect(await listFailedJobs(queue.jobs, 10)).toEqual([
			{
				id: expect.any(String),
				email: 'unconsented@example.com',
				userIds: ['u-7'],
				reason: 'CONSENT_MISMATCH: BlueConic answered CONSENT_MISMATCH: the profile was not stored',
				attempts: 1,
				failedAt: expect.any(String),
			},
		]);
		// BlueConic's final word: not retried on its own.
		expect(profileWrites(fake).filter(carries('unconsented@example.com'))).toHaveLength(1);

		fake.setConsentedObjectives('unconsented@example.com', ['newsletter']);
		expect(await retryFailedJobs(queue.jobs, { all: true })).toEqual({ changed: 1, notFailed: [] });
		await expect.poll(() => fake.profiles.has('unconsented@example.com')).toBe(true);
		await waitUntilQueueIsIdle(queue);
		expect(await queue.jobCounts()).toMatchObject({ failed: 0 });
	});

	it('sends the rest of a batch when BlueConic refuses one entry of it (400), and keeps that one as failed', async () => {
		const collector = await start();
		fake.inject({ kind: 'status', status: 400, times: Infinity, when: carries('bad@example.com'), body: { code: 'INVALID', message: 'bad entry', errors: [] } });
		const users = [...Array.from({ length: 7 }, (_, index) => ({ email: `good${index}@example.com` })), { email: 'bad@example.com' }];
		expect((await postProfiles(collector.url, users)).status).toBe(202);
		await expect.poll(() => fake.profiles.size).toBe(7);
		const queue = queueOf(collector);
		await expect.poll(async () => (await queue.jobCounts()).failed).toBe(1);
		const [failed] = await listFailedJobs(queue.jobs, 10);
		expect(failed?.email).toBe('bad@example.com');
		expect(failed?.reason).toMatch(/^refused_request: BlueConic refused a profiles request \(400 INVALID\)/);
	});

	it('answers 503 with Retry-After while Redis is down (and says it is unreachable), keeps serving, and queues again once Redis is back', async () => {
		const collector = await start();
		expect((await postProfiles(collector.url, { email: 'before@example.com' })).status).toBe(202);
		await expect.poll(() => fake.profiles.has('before@example.com')).toBe(true);
		expect(await queueOf(collector).isReachable()).toBe(true);

		await redis.kill();
		try {
			expect(await queueOf(collector).isReachable()).toBe(false);
			const refused = await postProfiles(collector.url, { email: 'during@example.com' });
			expect(refused.status).toBe(503);
			expect(errorCode(refused)).toBe('queue_unavailable');
			expect(refused.headers['retry-after']).toBe('5');
			expect((await send(`${collector.url}/healthz`)).status).toBe(200);
			const metrics = await send(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
			expect(metrics.status).toBe(200);
			expect(metrics.text).not.toContain('blueconic_bridge_profile_sync_queue_jobs{');
		} finally {
			await redis.start();
		}
		await expect.poll(async () => (await postProfiles(collector.url, { email: 'after@example.com' })).status, { timeout: 20_000 }).toBe(202);
		await expect.poll(() => fake.profiles.has('after@example.com'), { timeout: 20_000 }).toBe(true);
		expect(fake.profiles.has('during@example.com')).toBe(false);
	});
});
