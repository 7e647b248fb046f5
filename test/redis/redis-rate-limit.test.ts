import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHttpError } from '../../server/errors/http-error.js';
import { RedisRateLimit } from '../../server/http/redis-rate-limit.js';
import { RedisConnections } from '../../server/redis/connections.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let server: RedisServer;
let redis: RedisConnections;
beforeAll(async () => {
	server = await startRedisServer();
	redis = new RedisConnections({ url: server.url, keyPrefix: 'bcb:' });
});
afterAll(async () => {
	await redis?.close();
	await server?.stop();
});

async function refusal(taking: Promise<void>): Promise<{ status: number; code: string; retryAfter: string | undefined } | undefined> {
	try {
		await taking;
		return undefined;
	} catch (error) {
		if (!isHttpError(error)) throw error;
		return { status: error.status, code: error.code, retryAfter: error.headers['Retry-After'] };
	}
}

describe('RedisRateLimit', () => {
	it('counts one window per session across every limit sharing the Redis, in a key that expires with the window', async () => {
		const [a, b] = [0, 1].map(() => new RedisRateLimit({ commands: redis.commands, keyPrefix: 'bcb:', perMinute: 2 })) as [RedisRateLimit, RedisRateLimit];
		await a.take('session');
		await b.take('session');
		expect(await refusal(a.take('session'))).toEqual({ status: 429, code: 'too_many_reports', retryAfter: expect.stringMatching(/^([1-5]?\d|60)$/) });
		expect(await refusal(b.take('other'))).toBeUndefined();
		const ttlMs = await redis.commands.pttl('bcb:rate:session');
		expect(ttlMs).toBeGreaterThan(0);
		expect(ttlMs).toBeLessThanOrEqual(60_000);
	});

	it('sends the script again when Redis has forgotten it (a restart, SCRIPT FLUSH)', async () => {
		const limit = new RedisRateLimit({ commands: redis.commands, keyPrefix: 'bcb:', perMinute: 5 });
		await limit.take('flushed');
		await redis.commands.script('FLUSH');
		await limit.take('flushed');
		expect(await redis.commands.get('bcb:rate:flushed')).toBe('2');
	});

	it('answers 503 with Retry-After while Redis is unreachable, and counts the failure', async () => {
		const outage = await startRedisServer();
		const connections = new RedisConnections({ url: outage.url, keyPrefix: 'bcb:' });
		try {
			let errors = 0;
			const limit = new RedisRateLimit({ commands: connections.commands, keyPrefix: 'bcb:', perMinute: 5, onError: () => errors++ });
			await limit.take('k');
			await outage.kill();
			expect(await refusal(limit.take('k'))).toEqual({ status: 503, code: 'store_unavailable', retryAfter: '5' });
			expect(errors).toBe(1);
		} finally {
			await connections.close();
			await outage.stop();
		}
	});

	it('refuses an impossible limit loudly', () => {
		expect(() => new RedisRateLimit({ commands: redis.commands, keyPrefix: 'bcb:', perMinute: 0 })).toThrow(/perMinute/);
	});
});
