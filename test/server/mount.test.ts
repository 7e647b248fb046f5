import { createServer } from 'node:http';
import Koa from 'koa';
import mount from 'koa-mount';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from '../../server/app.js';
import { startListening } from '../../server/listen.js';
import { createLogger } from '../../server/logger.js';
import { apiKey, askDecision, reportSegments, testConfig } from './collector-fixture.js';
import { errorCode, send } from './http-client.js';

// A publisher's own Koa app with the collector mounted in it: the browser endpoints then run as Koa middleware.
const collector = createCollector(testConfig(), { logger: createLogger('silent') });
const publisherApp = new Koa();
publisherApp.use(mount(collector));
publisherApp.use((ctx) => {
	ctx.body = 'publisher page';
});
const server = createServer(publisherApp.callback());
let url: string;

beforeAll(async () => {
	url = await startListening(server, 0, '127.0.0.1');
});
afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
	await collector.close();
});

describe('the collector mounted in another Koa app', () => {
	it('serves the browser endpoints', async () => {
		const sessionId = collector.memorySessions!.create();
		const headers = { host: 'www.publisher.test', cookie: `blaize_session=${sessionId}` };
		const post = await reportSegments(url, sessionId, ['sports'], { origin: 'http://app.publisher.test:8080' });
		expect(post.status).toBe(204);
		expect(post.headers['access-control-allow-origin']).toBe('http://app.publisher.test:8080');
		const decision = await askDecision(url, sessionId, 'featured=sports');
		expect(decision.json).toEqual({ segment: 'sports', result: 'yes', source: 'browser' });
		const refused = await send(`${url}/plugins/public/blueconic/segments`, { method: 'POST', body: '[1]', headers });
		expect(refused.status).toBe(415);
		expect(errorCode(refused)).toBe('unsupported_media_type');
	});

	it('serves the backend endpoints', async () => {
		const response = await send(`${url}/plugins/blueconic/featured-segments`, { headers: { authorization: `Bearer ${apiKey}` } });
		expect(response.json).toEqual({ sports: 'Sports fans', premium: 'Premium prospects' });
	});

	it('leaves the publisher its own paths', async () => {
		const response = await send(`${url}/articles/1`);
		expect(response.status).toBe(200);
		expect(response.text).toBe('publisher page');
	});
});
