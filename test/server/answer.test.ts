import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { type Answer, setAnswer, writeAnswer } from '../../server/http/answer.js';
import { startListening } from '../../server/listen.js';
import { send } from './http-client.js';

const servers: Server[] = [];
afterEach(async () => {
	for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
	const server = createServer(handler);
	servers.push(server);
	return startListening(server, 0, '127.0.0.1');
}

const answers: Record<string, Answer> = {
	body: { status: 200, headers: { 'Cache-Control': 'no-store' }, body: { segment: 'é"', result: 'yes' } },
	json: { status: 200, headers: { 'Cache-Control': 'no-store' }, json: '{"segment":"é\\"","result":"yes"}' },
};

describe('answers as data', () => {
	it('are sent the same by node:http and Koa, whether the body is given as data or as its JSON', async () => {
		const seen: string[] = [];
		for (const [name, answer] of Object.entries(answers)) {
			const direct = await serve((_req, res) => writeAnswer(res, answer, ['X-Request-Id', 'id']));
			const app = new Koa();
			app.use((ctx) => setAnswer(ctx, answer));
			const viaKoa = await serve(app.callback());
			for (const url of [direct, viaKoa]) {
				const got = await send(url);
				expect(got.status, name).toBe(200);
				expect(got.headers['content-type'], name).toBe('application/json; charset=utf-8');
				expect(got.headers['content-length'], name).toBe(String(Buffer.byteLength(got.text)));
				expect(got.headers['cache-control'], name).toBe('no-store');
				seen.push(got.text);
			}
		}
		expect(new Set(seen)).toEqual(new Set(['{"segment":"é\\"","result":"yes"}']));
	});
});
