import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from './redis-server.js';

describe('the test redis-server', () => {
	let server: RedisServer;
	beforeAll(async () => {
		server = await startRedisServer({ persist: true });
	});
	afterAll(() => server.stop());

	it('answers commands, drops clients when killed and keeps its data across a restart when persisting', async () => {
		const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
		await client.set('greeting', 'hello');
		await server.kill();
		await expect(client.get('greeting')).rejects.toThrow();
		await server.start();
		await expect.poll(() => client.get('greeting').catch(() => 'not yet')).toBe('hello');
		client.disconnect();
	});
});
