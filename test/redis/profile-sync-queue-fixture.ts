import type { CollectorConfigInput } from '../../server/config/schema.js';
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
