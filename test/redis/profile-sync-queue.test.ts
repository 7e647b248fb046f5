import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { counterValue, profileWrites } from '../profile-sync/helpers.js';
import { apiKey, type StartedCollector, startCollector } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';
import {
	freshKeyPrefix,
	postProfiles,
	queuedCollectorConfig,
	startQueueWorker,
	waitUntilQueueIsIdle,
} from './profile-sync-queue-fixture.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let redis: RedisServer;
let fake: FakeBlueConic;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
	redis = await startRedisServer();
});
afterAll(async () => {
	await redis.stop();
});
// A fresh BlueConic per test: its profiles and requests are that test's alone.
beforeEach(async () => {
	fake = await startFakeBlueConic();
});
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	await fake.close();
});

interface QueuedCollector extends StartedCollector {
	keyPrefix: string;
}

async function start(profileSync: Record<string, unknown> = {}): Promise<QueuedCollector> {
	const keyPrefix = freshKeyPrefix();
	const collector = await startCollector(queuedCollectorConfig(redis, fake, keyPrefix, profileSync));
	cleanups.push(async () => void (await collector.stop()));
	return { ...collector, keyPrefix };
}

/** A worker of its own for the collector's queue (which then runs none: `profileSync.worker: false`). */
async function startWorkerFor(collector: QueuedCollector, profileSync: Record<string, unknown> = {}) {
	const worker = await startQueueWorker(redis, fake, collector.keyPrefix, profileSync);
	cleanups.push(() => worker.stop());
	return worker;
}

function queueOf(collector: StartedCollector) {
	const queue = collector.collector.profileSyncQueue;
	if (queue === undefined) throw new Error('the collector has no queue');
	return queue;
}

function putEntriesFor(email: string) {
	return profileWrites(fake).flatMap((request) =>
		(request.body as { identifier: string; properties: { id: string; values: string[] }[] }[]).filter((entry) => entry.identifier === email),
	);
}

describe('the profile-sync webhook with a Redis queue', () => {
	it('answers 202 once the user is queued, and the worker inside the collector puts it into BlueConic', async () => {
		const { url } = await start();
		const response = await postProfiles(url, { email: 'Queued@Example.com', userId: 'u-1', attributes: { 'first-name': 'Quinn' } });
		expect(response.status).toBe(202);
		expect(response.json).toEqual({ results: [{ email: 'queued@example.com', userId: 'u-1', state: 'queued' }] });
		await expect.poll(() => fake.profiles.get('queued@example.com')?.properties.firstname).toEqual(['Quinn']);
	});

	it('answers each record of a batch: queued (with attributes left out), rejected, ignored, skipped for consent', async () => {
		const { url } = await start({ consentAttribute: 'newsletter', worker: false });
		const response = await postProfiles(url, [
			{ email: 'ok@example.com', userId: 'u-1', attributes: { newsletter: true, age: 'forty' } },
			{ userId: 'u-2', attributes: { newsletter: true } },
			{ type: 'DELETE_USER', details: { user_id: 'u-3' } },
			{ email: 'no-consent@example.com', attributes: { newsletter: false } },
		]);
		expect(response.status).toBe(202);
		expect(response.json).toEqual({
			results: [
				{ email: 'ok@example.com', userId: 'u-1', state: 'queued', skippedAttributes: [{ attributeId: 'age', reason: 'expected a whole number, got "forty"' }] },
				{ userId: 'u-2', rejected: 'missing_email', message: expect.any(String) },
				{ ignored: 'DELETE_USER', userId: 'u-3' },
				{ email: 'no-consent@example.com', skipped: 'consent' },
			],
		});
	});

	it('refuses a single user without an email (400) and answers 200 when nothing was queued, queueing nothing', async () => {
		const collector = await start({ worker: false });
		const missing = await postProfiles(collector.url, { userId: 'u-1', attributes: {} });
		expect(missing.status).toBe(400);
		expect(errorCode(missing)).toBe('missing_email');
		const ignored = await postProfiles(collector.url, { type: 'LOGIN', details: { user_id: 'u-1' } });
		expect(ignored.status).toBe(200);
		// Nothing was queued, so nothing has waited for the queue's connection yet: wait for it before counting.
		await expect.poll(() => queueOf(collector).isReachable()).toBe(true);
		expect(await queueOf(collector).jobCounts()).toMatchObject({ waiting: 0, delayed: 0 });
	});

	it('keeps queued users until a worker runs when the collector runs none', async () => {
		const collector = await start({ worker: false });
		expect((await postProfiles(collector.url, { email: 'later@example.com' })).status).toBe(202);
		expect(await queueOf(collector).jobCounts()).toMatchObject({ waiting: 1 });
		expect(fake.requests).toHaveLength(0);
		await startWorkerFor(collector);
		await expect.poll(() => fake.profiles.has('later@example.com')).toBe(true);
	});

	it('coalesces queued users into PUTs of at most 1000 entries', async () => {
		const collector = await start({ worker: false });
		const users = Array.from({ length: 2_500 }, (_, index) => ({ email: `bulk${index}@example.com` }));
		expect((await postProfiles(collector.url, users)).status).toBe(202);
		// A long linger, so that batches fill up from the backlog instead of leaving with what came first.
		const worker = await startWorkerFor(collector, { queue: { batchLingerMs: 2_000, stalledAfterSeconds: 30 } });
		await expect.poll(() => fake.profiles.size, { timeout: 30_000 }).toBe(2_500);
		const sizes = profileWrites(fake).map((request) => (request.body as unknown[]).length);
		expect(Math.max(...sizes)).toBe(1_000);
		expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(2_500);
		await waitUntilQueueIsIdle(worker.queue);
	});

	it('sends the last update of an email, merged over the earlier ones still queued, once', async () => {
		const collector = await start({ worker: false });
		await postProfiles(collector.url, { email: 'jane@example.com', attributes: { 'first-name': 'Jane', age: 30 } });
		await postProfiles(collector.url, [
			{ email: 'jane@example.com', attributes: { 'first-name': 'Janet' } },
			{ email: 'JANE@example.com', trackingId: 't-9' },
		]);
		const worker = await startWorkerFor(collector);
		await waitUntilQueueIsIdle(worker.queue);
		expect(fake.profiles.get('jane@example.com')?.properties).toEqual({
			email: ['jane@example.com'],
			firstname: ['Janet'],
			age: ['30'],
			zephr_tracking_id: ['t-9'],
		});
		// Both jobs met in one batch: one entry, both delivered by it.
		expect(putEntriesFor('jane@example.com')).toHaveLength(1);
	});

	it('cancels a queued update when a later one withdraws consent', async () => {
		const collector = await start({ consentAttribute: 'newsletter', worker: false });
		const queued = await postProfiles(collector.url, { email: 'changes-mind@example.com', attributes: { newsletter: 'true', 'first-name': 'C' } });
		expect(queued.status).toBe(202);
		const withdrawn = await postProfiles(collector.url, { email: 'changes-mind@example.com', attributes: { newsletter: false } });
		expect(withdrawn.status).toBe(200);
		expect(withdrawn.json).toEqual({ results: [{ email: 'changes-mind@example.com', skipped: 'consent' }] });
		const worker = await startWorkerFor(collector, { consentAttribute: 'newsletter' });
		await waitUntilQueueIsIdle(worker.queue);
		expect(putEntriesFor('changes-mind@example.com')).toEqual([]);
		expect(await counterValue(worker.registry, 'blueconic_bridge_profile_sync_queue_outcomes_total', { outcome: 'covered' })).toBe(1);
	});

	it('shows the queue depth and the queue outcomes on /metrics', async () => {
		const collector = await start();
		await postProfiles(collector.url, { email: 'metered@example.com' });
		await expect.poll(() => fake.profiles.has('metered@example.com')).toBe(true);
		await expect
			.poll(async () => (await send(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } })).text)
			.toMatch(/blueconic_bridge_profile_sync_queue_outcomes_total\{outcome="delivered"\} 1/);
		const metrics = await send(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
		expect(metrics.text).toMatch(/blueconic_bridge_profile_sync_queue_jobs\{state="waiting"\} 0/);
		expect(metrics.text).toMatch(/blueconic_bridge_profile_sync_queue_outcomes_total\{outcome="enqueued"\} 1/);
		expect(metrics.text).toMatch(/blueconic_bridge_profile_sync_profiles_total\{state="CREATED"\} 1/);
	});
});
