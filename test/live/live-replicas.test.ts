import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { freshKeyPrefix, postProfiles } from '../redis/profile-sync-queue-fixture.js';
import { type RedisServer, startRedisServer } from '../redis/redis-server.js';
import { askDecision, reportSegments, type StartedCollector, testConfig } from '../server/collector-fixture.js';
import { capturedLogger, configText, startFromFile, tempFolder } from './live-fixture.js';

let redis: RedisServer;
let client: Redis;
let folder: Awaited<ReturnType<typeof tempFolder>>;
const started: StartedCollector[] = [];

beforeAll(async () => {
	redis = await startRedisServer();
	client = new Redis(redis.url);
});
afterAll(async () => {
	client.disconnect();
	await redis.stop();
});
beforeEach(async () => {
	folder = await tempFolder();
});
afterEach(async () => {
	for (const running of started.splice(0)) await running.stop();
	await folder.remove();
});

/** Waits until `count` replicas listen on the configuration channel: a save before that would not reach them. */
async function replicasListening(keyPrefix: string, count: number): Promise<void> {
	await expect
		.poll(async () => ((await client.pubsub('NUMSUB', `${keyPrefix}config`)) as [string, number])[1])
		.toBe(count);
}

function redisConfig(keyPrefix: string, overrides: Partial<CollectorConfigInput> = {}): CollectorConfigInput {
	return testConfig({ store: { type: 'redis', url: redis.url, keyPrefix }, ...overrides });
}

describe('a save on one replica', () => {
	it('is applied on the other, which writes its own file, with env: references resolved by each', async () => {
		const keyPrefix = freshKeyPrefix();
		const config = redisConfig(keyPrefix);
		const logB = capturedLogger();
		const keyOf = (replica: string) => `${replica}-replica-key-0123456789`;
		const a = await startFromFile(folder.file('a.json'), config, { env: { REPLICA_API_KEY: keyOf('a') } });
		started.push(a);
		const b = await startFromFile(folder.file('b.json'), config, { logger: logB.logger, env: { REPLICA_API_KEY: keyOf('b') } });
		started.push(b);
		await replicasListening(keyPrefix, 2);
		const appliedOnB = new Promise<number>((resolve) => b.collector.live.onApplied(() => resolve(performance.now())));

		// A session's segments, held in Redis, outlive the change.
		const sessionA = a.collector.memorySessions!.create();
		expect((await reportSegments(a.url, sessionA, ['news'])).status).toBe(204);

		const candidate = redisConfig(keyPrefix, { featuredSegments: { news: 'News readers' }, apiKeys: ['env:REPLICA_API_KEY'] });
		const savedAt = performance.now();
		expect(await a.collector.live.save(candidate)).toEqual({ status: 'applied', changed: ['apiKeys', 'featuredSegments'], written: true });
		console.log(`replica: save on A → applied on B after ${((await appliedOnB) - savedAt).toFixed(1)} ms`);
		expect(b.collector.config.featuredSegments).toEqual({ news: 'News readers' });
		expect(a.collector.config.apiKeys).toEqual([keyOf('a')]);
		expect(b.collector.config.apiKeys).toEqual([keyOf('b')]);

		expect(await readFile(folder.file('b.json'), 'utf8')).toBe(configText(candidate));
		expect(b.collector.live.source()).toEqual(candidate);
		expect((await askDecision(a.url, sessionA, 'featured=news')).json).toMatchObject({ result: 'yes' });
		const applied = logB.lines().find((line) => line.source === 'replica' && String(line.msg).startsWith('configuration applied'));
		expect(applied).toMatchObject({ changed: ['apiKeys', 'featuredSegments'] });
		expect(JSON.stringify(logB.lines())).not.toContain(keyOf('b'));
	});

	it('is refused, and logged, by a replica where it needs a restart; that replica keeps its configuration', async () => {
		const keyPrefix = freshKeyPrefix();
		const logB = capturedLogger();
		const a = await startFromFile(folder.file('a.json'), redisConfig(keyPrefix));
		started.push(a);
		// B runs with another cookie name: the save from A would change it, which only a restart can do.
		const bConfig = redisConfig(keyPrefix, { session: { cookieName: 'other_session', validate: { type: 'memory' } } });
		const b = await startFromFile(folder.file('b.json'), bConfig, { logger: logB.logger });
		started.push(b);
		await replicasListening(keyPrefix, 2);

		expect(await a.collector.live.save(redisConfig(keyPrefix, { featuredSegments: { news: 'N' } }))).toMatchObject({ status: 'applied' });
		await expect.poll(() => logB.lines().find((line) => line.source === 'replica' && line.status === 'restart_required')).toBeDefined();
		const refused = logB.lines().find((line) => line.status === 'restart_required');
		expect(refused).toMatchObject({ problems: [{ path: 'session.cookieName' }] });
		expect(b.collector.config.featuredSegments).toEqual(testConfig().featuredSegments);
		expect(await readFile(folder.file('b.json'), 'utf8')).toBe(configText(bConfig));
	});
});

describe('the profile-sync queue worker', () => {
	let first: FakeBlueConic;
	let second: FakeBlueConic;
	beforeEach(async () => {
		first = await startFakeBlueConic({ clientId: 'first-client', clientSecret: 'first-secret-0123' });
		second = await startFakeBlueConic({ clientId: 'second-client', clientSecret: 'second-secret-0123' });
	});
	afterEach(async () => {
		await first.close();
		await second.close();
	});

	it('sends the next batch with the credentials in force', async () => {
		const keyPrefix = freshKeyPrefix();
		const blueconic = (fake: FakeBlueConic, which: string) => ({
			baseUrl: fake.url,
			clientId: `${which}-client`,
			clientSecret: `${which}-secret-0123`,
			timeoutMs: 2_000,
		});
		const queue = { retry: { maxAttempts: 50, baseDelayMs: 20, maxDelayMs: 200 }, batchLingerMs: 20 };
		const config = redisConfig(keyPrefix, { blueconic: blueconic(first, 'first'), profileSync: { queue } });
		const running = await startFromFile(folder.file('a.json'), config);
		started.push(running);
		const user = (email: string) => ({ email, attributes: {} });

		expect((await postProfiles(running.url, user('a@example.com'))).status).toBe(202);
		await expect.poll(() => first.profiles.has('a@example.com')).toBe(true);

		expect(await running.collector.live.save({ ...config, blueconic: blueconic(second, 'second') })).toMatchObject({ status: 'applied' });
		expect((await postProfiles(running.url, user('b@example.com'))).status).toBe(202);
		await expect.poll(() => second.profiles.has('b@example.com')).toBe(true);
		expect(first.profiles.has('b@example.com')).toBe(false);
	});

	it('still delivers users queued before blueconic was removed, with the credentials last in force', async () => {
		const keyPrefix = freshKeyPrefix();
		// Retries enough to outlast any stall of a busy machine: the test ends the outage itself.
		const queue = { retry: { maxAttempts: 1_000, baseDelayMs: 20, maxDelayMs: 200 }, batchLingerMs: 20 };
		const blueconic = (fake: FakeBlueConic, which: string) => ({
			baseUrl: fake.url,
			clientId: `${which}-client`,
			clientSecret: `${which}-secret-0123`,
			timeoutMs: 2_000,
		});
		const config = redisConfig(keyPrefix, { blueconic: blueconic(first, 'first'), profileSync: { queue } });
		const running = await startFromFile(folder.file('a.json'), config);
		started.push(running);
		const withSecond = { ...config, blueconic: blueconic(second, 'second') };
		expect(await running.collector.live.save(withSecond)).toMatchObject({ status: 'applied' });
		// BlueConic (the second one, in force) refuses for now: the user stays queued, retried.
		const outage = second.inject({ kind: 'status', status: 503, times: Infinity });
		expect((await postProfiles(running.url, { email: 'queued@example.com', attributes: {} })).status).toBe(202);
		await expect.poll(() => second.requests.some((request) => request.fault === 'status'), { timeout: 10_000 }).toBe(true);

		const { blueconic: _removed, ...withoutBlueConic } = withSecond;
		expect(await running.collector.live.save(withoutBlueConic)).toMatchObject({ status: 'applied', changed: ['blueconic'] });
		const refused = await postProfiles(running.url, { email: 'late@example.com', attributes: {} });
		expect([refused.status, (refused.json as { error: { code: string } }).error.code]).toEqual([404, 'profile_sync_not_configured']);
		outage.remove();
		await expect.poll(() => second.profiles.has('queued@example.com'), { timeout: 10_000 }).toBe(true);
		expect(first.profiles.has('queued@example.com')).toBe(false);
	});
});
