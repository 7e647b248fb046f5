import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askDecision, reportSegments, startCollector, testConfig } from '../server/collector-fixture.js';
import { send } from '../server/http-client.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let server: RedisServer;
let observer: Redis;
beforeAll(async () => {
	server = await startRedisServer();
	observer = new Redis(server.url);
});
afterAll(async () => {
	observer?.disconnect();
	await server?.stop();
});

/** Clients connected to the server, this test's observer not counted. */
async function otherClients(): Promise<number> {
	const list = await observer.client('LIST');
	return String(list).trim().split('\n').length - 1;
}

describe('a collector configured with a Redis store', () => {
	it('keeps segments in Redis, checks it for readiness, and closes the connections it opened when it stops', async () => {
		const running = await startCollector(testConfig({ store: { type: 'redis', url: server.url, keyPrefix: 'conn:' } }));
		const sessionId = running.collector.memorySessions!.create();
		expect((await reportSegments(running.url, sessionId, ['sports'])).status).toBe(204);
		expect((await askDecision(running.url, sessionId, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'yes', source: 'browser' });
		expect(await observer.keys('conn:s:*')).toHaveLength(1);
		expect((await send(`${running.url}/readyz`)).json).toEqual({ status: 'ready', checks: { store: 'ok' } });
		// The command connection and the one subscriber connection.
		expect(await otherClients()).toBe(2);
		await running.stop();
		await expect.poll(otherClients).toBe(0);
	});
});
