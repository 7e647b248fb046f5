import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { type StartedCollector, startCollector } from '../server/collector-fixture.js';
import { freshKeyPrefix, postProfiles, queuedCollectorConfig } from './profile-sync-queue-fixture.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let redis: RedisServer;
let fake: FakeBlueConic;
const collectors: StartedCollector[] = [];

beforeAll(async () => {
	redis = await startRedisServer();
	fake = await startFakeBlueConic();
});
afterAll(async () => {
	await fake.close();
	await redis.stop();
});
afterEach(async () => {
	for (const collector of collectors.splice(0)) await collector.stop();
});

async function start(profileSync: Record<string, unknown> = {}): Promise<StartedCollector> {
	const collector = await startCollector(queuedCollectorConfig(redis, fake, freshKeyPrefix(), profileSync));
	collectors.push(collector);
	return collector;
}

describe('the profile-sync webhook with a Redis queue', () => {
	it('answers 202 once the user is queued, and the worker inside the collector puts it into BlueConic', async () => {
		const { url } = await start();
		const response = await postProfiles(url, { email: 'Queued@Example.com', userId: 'u-1', attributes: { 'first-name': 'Quinn' } });
		expect(response.status).toBe(202);
		expect(response.json).toEqual({ results: [{ email: 'queued@example.com', userId: 'u-1', state: 'queued' }] });
		await expect.poll(() => fake.profiles.get('queued@example.com')?.properties.firstname).toEqual(['Quinn']);
	});
});
