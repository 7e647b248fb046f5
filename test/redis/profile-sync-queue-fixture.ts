import { Registry } from 'prom-client';
import { expect } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { createProfileSyncQueue, type ProfileSyncQueue } from '../../server/profile-sync/queue/index.js';
import { RedisConnections } from '../../server/redis/connections.js';
import type { FakeBlueConic } from '../fakes/blueconic-rest.js';
import { profileMapping } from '../profile-sync/helpers.js';
import { apiKey, testConfig } from '../server/collector-fixture.js';
import { send, type TestResponse } from '../server/http-client.js';
import type { RedisServer } from './redis-server.js';

/** Queue settings for tests: retries in milliseconds, a short linger, and a stalled batch taken over in 2 s. */
export const fastQueue = {
	retry: { maxAttempts: 50, baseDelayMs: 20, maxDelayMs: 200 },
	batchLingerMs: 20,
	stalledAfterSeconds: 2,
};

/** The sections a queue process reads: Redis, BlueConic (the fake, test-fast client retries), the test mapping. */
export function queueSections(redis: RedisServer, fake: FakeBlueConic, keyPrefix: string, profileSync: Record<string, unknown> = {}) {
	return {
		store: { type: 'redis' as const, url: redis.url, keyPrefix },
		blueconic: {
			baseUrl: fake.url,
			clientId: 'test-client',
			clientSecret: 'test-secret',
			timeoutMs: 2_000,
			retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
		},
		profileMapping,
		profileSync: { queue: fastQueue, ...profileSync },
	};
}

/** A collector config with the queue on `redis` and BlueConic at `fake`. */
export function queuedCollectorConfig(
	redis: RedisServer,
	fake: FakeBlueConic,
	keyPrefix: string,
	profileSync: Record<string, unknown> = {},
): CollectorConfigInput {
	return testConfig(queueSections(redis, fake, keyPrefix, profileSync) as Partial<CollectorConfigInput>);
}

export function postProfiles(baseUrl: string, body: unknown): Promise<TestResponse> {
	return send(`${baseUrl}/plugins/blueconic/profile-sync`, {
		method: 'POST',
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
}

/** A distinct key prefix per test, so tests sharing one redis-server never see each other's queue. */
let prefixes = 0;
export function freshKeyPrefix(): string {
	return `t${process.pid}-${++prefixes}:`;
}

/** A worker of its own (as `blueconic-bridge worker` runs one), on its own Redis connections. */
export async function startQueueWorker(
	redis: RedisServer,
	fake: FakeBlueConic,
	keyPrefix: string,
	profileSync: Record<string, unknown> = {},
): Promise<{ queue: ProfileSyncQueue; registry: Registry; stop(): Promise<void> }> {
	const config = parseConfig(queuedCollectorConfig(redis, fake, keyPrefix, profileSync));
	if (config.store.type !== 'redis' || config.blueconic === undefined) throw new Error('a queue config needs redis and blueconic');
	const connections = new RedisConnections({ url: config.store.url, keyPrefix: config.store.keyPrefix });
	const registry = new Registry();
	const queue = createProfileSyncQueue({
		redis: connections,
		blueconic: config.blueconic,
		profileMapping: config.profileMapping,
		profileSync: config.profileSync,
		runWorker: true,
		registry,
	});
	await queue.worker?.waitUntilReady();
	return {
		queue,
		registry,
		async stop() {
			await queue.close();
			await connections.close();
		},
	};
}

/** Resolves once no job of the queue is waiting, active or delayed. */
export async function waitUntilQueueIsIdle(queue: ProfileSyncQueue): Promise<void> {
	await expect
		.poll(async () => {
			const counts = await queue.jobCounts();
			return counts.waiting + counts.active + counts.delayed + counts.prioritized;
		})
		.toBe(0);
}
