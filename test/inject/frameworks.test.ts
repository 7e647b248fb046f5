import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import Koa from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { koaScriptInjection, scriptInjection } from '../../server/index.js';
import { compress, decodedText, fetchRaw, injected, page, type StartedServer, startServer } from './http-helpers.js';

let started: StartedServer | undefined;
let directory: string;
beforeAll(async () => {
	directory = await mkdtemp(join(tmpdir(), 'bcb-inject-'));
	await writeFile(join(directory, 'file.html'), page('From a file'));
	await writeFile(join(directory, 'page.html.gz'), compress(page('Gzipped file'), 'gzip'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));
afterEach(async () => {
	await started?.close();
	started = undefined;
});

describe('Express', () => {
	async function serveExpress(): Promise<string> {
		const app = express();
		app.use(scriptInjection());
		app.get('/send', (_req, res) => {
			res.send(page('Sent'));
		});
		app.get('/file', (_req, res) => {
			res.sendFile(join(directory, 'file.html'));
		});
		app.get('/json', (_req, res) => {
			res.json({ ok: true });
		});
		started = await startServer(app);
		return started.url;
	}

	test('res.send: the page gets the tag, Content-Length goes, Express’s weak ETag stays', async () => {
		const url = await serveExpress();
		const response = await fetchRaw(`${url}/send`);
		expect(response.body.toString()).toBe(injected(page('Sent')));
		expect(response.headers['content-length']).toBeUndefined();
		expect(response.headers.etag).toMatch(/^W\//);
	});

	test('a conditional request with that ETag gets Express’s 304, passed on as it is', async () => {
		const url = await serveExpress();
		const { headers } = await fetchRaw(`${url}/send`);
		const revalidated = await fetchRaw(`${url}/send`, { headers: { 'If-None-Match': headers.etag as string } });
		expect(revalidated.status).toBe(304);
		expect(revalidated.body.length).toBe(0);
	});

	test('res.sendFile (a streamed file): the tag, with a weak ETag', async () => {
		const url = await serveExpress();
		const response = await fetchRaw(`${url}/file`);
		expect(response.body.toString()).toBe(injected(page('From a file')));
		expect(response.headers.etag).toMatch(/^W\//);
	});

	test('res.json is not touched', async () => {
		const url = await serveExpress();
		const response = await fetchRaw(`${url}/json`);
		expect(response.body.toString()).toBe('{"ok":true}');
		expect(response.headers['content-length']).toBe('11');
	});
});

describe('Koa', () => {
	async function serveKoa(): Promise<string> {
		const app = new Koa();
		app.use(koaScriptInjection());
		app.use((ctx) => {
			switch (ctx.path) {
				case '/string':
					ctx.body = page('String');
					break;
				case '/buffer':
					ctx.type = 'html';
					ctx.body = Buffer.from(page('Buffer'));
					break;
				case '/stream':
					ctx.type = 'text/html; charset=utf-8';
					ctx.body = createReadStream(join(directory, 'file.html'));
					break;
				case '/web-stream':
					ctx.type = 'html';
					ctx.body = Readable.toWeb(Readable.from([Buffer.from(page('Web stream'))]));
					break;
				case '/gzip':
					ctx.type = 'html';
					ctx.set('Content-Encoding', 'gzip');
					ctx.body = createReadStream(join(directory, 'page.html.gz'));
					break;
				case '/json':
					ctx.body = { ok: true };
					break;
				case '/not-found':
					ctx.status = 404;
					ctx.body = page('Not found');
					break;
				case '/raw':
					ctx.respond = false;
					ctx.res.writeHead(200, { 'Content-Type': 'text/html' });
					ctx.res.end(page('Raw'));
					break;
			}
		});
		started = await startServer(app.callback());
		return started.url;
	}

	test('string, Buffer, Node stream and web stream bodies get the tag, streamed (no Content-Length)', async () => {
		const url = await serveKoa();
		const expectations: [string, string][] = [
			['/string', page('String')],
			['/buffer', page('Buffer')],
			['/stream', page('From a file')],
			['/web-stream', page('Web stream')],
		];
		for (const [path, html] of expectations) {
			const response = await fetchRaw(`${url}${path}`);
			expect(response.body.toString(), path).toBe(injected(html));
			expect(response.headers['content-length'], path).toBeUndefined();
		}
	});

	test('a gzipped stream body comes out gzipped, with the tag', async () => {
		const url = await serveKoa();
		const response = await fetchRaw(`${url}/gzip`);
		expect(response.headers['content-encoding']).toBe('gzip');
		expect(decodedText(response)).toBe(injected(page('Gzipped file')));
	});

	test('error pages get the tag too and keep their status', async () => {
		const url = await serveKoa();
		const response = await fetchRaw(`${url}/not-found`);
		expect(response.status).toBe(404);
		expect(response.body.toString()).toBe(injected(page('Not found')));
	});

	test('JSON, HEAD and answers written past Koa are not touched', async () => {
		const url = await serveKoa();
		expect((await fetchRaw(`${url}/json`)).body.toString()).toBe('{"ok":true}');
		const head = await fetchRaw(`${url}/string`, { method: 'HEAD' });
		expect(head.headers['content-length']).toBe(String(Buffer.byteLength(page('String'))));
		expect((await fetchRaw(`${url}/raw`)).body.toString()).toBe(page('Raw'));
	});

	test('bad options throw a TypeError naming them', () => {
		expect(() => koaScriptInjection({ attributes: { class: 'x' } })).toThrow('koaScriptInjection: attributes["class"] must be a data-* attribute');
	});
});
