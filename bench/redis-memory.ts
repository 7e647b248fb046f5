import { randomUUID } from 'node:crypto';
import { RedisConnections } from '../server/redis/connections.js';
import { RedisSegmentStore } from '../server/store/redis-store.js';
import { sessionKeyOf } from '../server/store/session-key.js';
import { pickSegmentIds, segmentIdPool } from './fixtures.js';

export interface RedisStoreMemory {
	sessions: number;
	segmentsPerSession: number;
	/** `used_memory` from `INFO memory` before and after filling the store. */
	usedMemoryBefore: number;
	usedMemoryAfter: number;
	bytesPerSession: number;
}

/** Reports written at once while filling: enough to keep the connection's pipeline full. */
const writesInFlight = 1_000;

/**
 * Fills a Redis-backed store as the segment listener does (session keys from UUID session ids, 5 ids from a pool
 * of 200 UUIDs each) under a prefix of its own, reads `INFO memory` before and after, then deletes what it wrote.
 * The Redis at `url` should hold nothing else that changes meanwhile, and nothing under `bcm:`.
 */
export async function measureRedisStoreMemory(url: string, sessions: number, segmentsPerSession: number): Promise<RedisStoreMemory> {
	// As long as the default prefix (bcb:), so the keys are as long as a deployment's, and not the same one.
	const redis = new RedisConnections({ url, keyPrefix: 'bcm:' });
	const store = new RedisSegmentStore({
		commands: redis.commands,
		subscriber: redis.subscriber(),
		keyPrefix: redis.keyPrefix,
		ttlSeconds: 1_800,
	});
	try {
		const pool = segmentIdPool();
		const usedMemoryBefore = await usedMemory(redis);
		for (let written = 0; written < sessions; written += writesInFlight) {
			const batch = Math.min(writesInFlight, sessions - written);
			await Promise.all(
				Array.from({ length: batch }, () => store.write(sessionKeyOf(randomUUID()), pickSegmentIds(pool, segmentsPerSession))),
			);
		}
		const usedMemoryAfter = await usedMemory(redis);
		if ((await store.sessionCount()) !== sessions) throw new Error('Redis did not keep every session');
		return { sessions, segmentsPerSession, usedMemoryBefore, usedMemoryAfter, bytesPerSession: (usedMemoryAfter - usedMemoryBefore) / sessions };
	} finally {
		await deleteKeys(redis, `${redis.keyPrefix}*`);
		await store.close();
		await redis.close();
	}
}

async function usedMemory(redis: RedisConnections): Promise<number> {
	const info = await redis.commands.info('memory');
	const line = info.split('\r\n').find((entry) => entry.startsWith('used_memory:'));
	if (line === undefined) throw new Error('INFO memory has no used_memory line');
	return Number(line.slice('used_memory:'.length));
}

async function deleteKeys(redis: RedisConnections, pattern: string): Promise<void> {
	let cursor = '0';
	do {
		const [next, keys] = await redis.commands.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
		cursor = next;
		if (keys.length > 0) await redis.commands.unlink(...keys);
	} while (cursor !== '0');
}
