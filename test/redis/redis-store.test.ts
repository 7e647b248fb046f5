import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureRedisStoreMemory } from '../../bench/redis-memory.js';
import { RedisConnections } from '../../server/redis/connections.js';
import { RedisSegmentStore, type StoreOperation } from '../../server/store/redis-store.js';
import { sessionKeyOf } from '../../server/store/session-key.js';
import { isStoreUnavailableError } from '../../server/store/store-unavailable-error.js';
import { describeSegmentStoreContract } from '../server/store-contract.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let server: RedisServer;
const connections: RedisConnections[] = [];
let prefixes = 0;

beforeAll(async () => {
	server = await startRedisServer();
});
afterAll(async () => {
	await Promise.all(connections.map((redis) => redis.close()));
	await server?.stop();
});

/** Connections of their own, under a prefix of their own, to `on` (the shared server by default). */
function connect(on: RedisServer = server): RedisConnections {
	const redis = new RedisConnections({ url: on.url, keyPrefix: `t${++prefixes}:` });
	connections.push(redis);
	return redis;
}

function storeOn(
	redis: RedisConnections,
	options: { ttlSeconds?: number; maxWaiters?: number; onError?: (operation: StoreOperation) => void } = {},
): RedisSegmentStore {
	return new RedisSegmentStore({ commands: redis.commands, subscriber: redis.subscriber(), keyPrefix: redis.keyPrefix, ttlSeconds: 60, ...options });
}

describeSegmentStoreContract('RedisSegmentStore', {
	create: async (options) => storeOn(connect(), options),
	expiredRead: 'miss',
});

describe('RedisSegmentStore', () => {
	it('keeps one key per session, named by the session key under the prefix, expiring after the time to live', async () => {
		const redis = connect();
		const store = storeOn(redis, { ttlSeconds: 600 });
		const sessionKey = 'x'.repeat(43);
		await store.write(sessionKey, ['seg-a', 'seg-b']);
		await store.write('other', []);
		expect((await redis.commands.keys(`${redis.keyPrefix}*`)).sort()).toEqual([`${redis.keyPrefix}s:other`, `${redis.keyPrefix}s:${sessionKey}`]);
		const ttlMs = await redis.commands.pttl(`${redis.keyPrefix}s:${sessionKey}`);
		expect(ttlMs).toBeGreaterThan(590_000);
		expect(ttlMs).toBeLessThanOrEqual(600_000);
		// The report time, then the ids, one a line.
		expect(await redis.commands.get(`${redis.keyPrefix}s:${sessionKey}`)).toMatch(/^\d{13}\nseg-a\nseg-b$/);
		expect(await redis.commands.get(`${redis.keyPrefix}s:other`)).toMatch(/^\d{13}$/);
	});

	it('names a session key by its 16 bytes in base64url, so Redis holds printable digests only', async () => {
		const redis = connect();
		const store = storeOn(redis, { ttlSeconds: 600 });
		const sessionKey = sessionKeyOf('a session id');
		await store.write(sessionKey, ['seg-a']);
		const keyText = Buffer.from(sessionKey, 'latin1').toString('base64url');
		expect(keyText).toMatch(/^[A-Za-z0-9_-]{22}$/);
		expect(await redis.commands.keys(`${redis.keyPrefix}*`)).toEqual([`${redis.keyPrefix}s:${keyText}`]);
		expect(await store.read(sessionKey)).toMatchObject({ status: 'hit', segmentIds: ['seg-a'] });
	});


	it('refuses a segment id holding a line feed, the separator of its encoding', async () => {
		const store = storeOn(connect());
		await expect(store.write('k', ['a\nb'])).rejects.toThrow(TypeError);
		expect(await store.read('k')).toEqual({ status: 'miss' });
	});

	it('lets a waiter on one instance go when another instance stores the report', async () => {
		// Two instances: connections of their own, one prefix (one deployment).
		const prefix = `t${++prefixes}:`;
		const [a, b] = [0, 1].map(() => {
			const redis = new RedisConnections({ url: server.url, keyPrefix: prefix });
			connections.push(redis);
			return storeOn(redis);
		}) as [RedisSegmentStore, RedisSegmentStore];
		// A wait longer than the test (30 s): only the notice from the other instance can end it before the timeout.
		const waiting = b.waitForReport('k', 120_000);
		await expect.poll(() => connections.at(-1)!.commands.pubsub('NUMSUB', `${prefix}r:k`)).toEqual([`${prefix}r:k`, 1]);
		await a.write('k', ['a']);
		expect(await waiting).toMatchObject({ status: 'hit', segmentIds: ['a'] });
		// The last waiter gone, the instance leaves the session's channel.
		await expect.poll(() => connections.at(-1)!.commands.pubsub('NUMSUB', `${prefix}r:k`)).toEqual([`${prefix}r:k`, 0]);
	});

	// 20,000 sessions keep the unit suite quick on a busy machine and still dwarf Redis's fixed overhead; the bench
	// (bench/run.ts, BENCH_REDIS_MEMORY_SESSIONS) measures the 100,000 of a deployment.
	it('holds 20,000 sessions of 5 segments in under 450 bytes of Redis memory each (INFO memory)', async () => {
		const sessions = 20_000;
		const measured = await measureRedisStoreMemory(server.url, sessions, 5);
		console.log(
			`redis store: ${measured.bytesPerSession.toFixed(1)} bytes per session at ${sessions.toLocaleString('en')} sessions ` +
				`(used_memory ${measured.usedMemoryBefore} → ${measured.usedMemoryAfter})`,
		);
		expect(measured.sessions).toBe(sessions);
		expect(measured.bytesPerSession).toBeGreaterThan(200); // 5 UUIDs alone are 180 bytes: less is a broken measurement
		expect(measured.bytesPerSession).toBeLessThan(450);
	}, 60_000);
});

describe('RedisSegmentStore while Redis is unreachable', () => {
	let outage: RedisServer;
	beforeAll(async () => {
		outage = await startRedisServer();
	});
	afterAll(() => outage?.stop());

	it('reads unavailable and refuses writes, counts each failure, and recovers by itself', async () => {
		const errors: StoreOperation[] = [];
		const store = storeOn(connect(outage), { onError: (operation) => errors.push(operation) });
		await store.write('k', ['a']);
		await outage.kill();

		expect(await store.read('k')).toEqual({ status: 'unavailable' });
		// A wait longer than the test: answered by the failed read at once, not held until Redis returns.
		expect(await store.waitForReport('k', 120_000)).toEqual({ status: 'unavailable' });
		const failedWrite = await store.write('k', ['b']).then(() => undefined, (error: unknown) => error);
		expect(isStoreUnavailableError(failedWrite)).toBe(true);
		await expect(store.sessionCount()).rejects.toSatisfy(isStoreUnavailableError);
		expect(errors).toEqual(['read', 'read', 'write', 'count']);

		await outage.start(); // empty: this server keeps nothing across restarts
		await expect.poll(() => store.read('k'), { timeout: 15_000 }).toEqual({ status: 'miss' });
		await store.write('k', ['c']);
		expect(await store.read('k')).toMatchObject({ status: 'hit', segmentIds: ['c'] });
	});
});
