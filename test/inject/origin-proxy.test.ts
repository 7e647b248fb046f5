import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { ConfigError } from '../../server/errors/config-error.js';
import { isCollectorPath } from '../../server/inject/origin-proxy.js';
import { apiKey, type StartedCollector, startCollector, testConfig } from '../server/collector-fixture.js';
import { compress, decodedText, fetchRaw, injected, openResponse, page, readBody, readUntil, signal, type StartedServer, startServer } from './http-helpers.js';

const downloadBytes = 50 * 1024 * 1024;
const megabyte = Buffer.alloc(1024 * 1024, 0x61);

/** What the origin was asked, as it saw it. */
interface SeenRequest {
	method: string | undefined;
	url: string | undefined;
	headers: IncomingMessage['headers'];
	body: string;
}

let origin: StartedServer;
let proxy: StartedCollector;
let seen: SeenRequest[] = [];
/** Released by a test to let the origin send the rest of a download or an event stream. */
let rest = signal();

beforeAll(async () => {
	origin = await startServer((req, res) => {
		answerAsOrigin(req, res).catch((error: unknown) => res.destroy(error as Error));
	});
	// A patient proxy: an origin starved of CPU on a loaded machine must not turn unrelated tests into 504s. The
	// timeout test has its own, impatient one.
	proxy = await startCollector(testConfig({ proxy: { origin: origin.url, timeoutMs: 120_000 } }));
});
afterAll(async () => {
	rest.resolve();
	await proxy?.stop();
	await origin?.close();
});
beforeEach(() => {
	seen = [];
	rest = signal();
});

async function answerAsOrigin(req: IncomingMessage, res: ServerResponse): Promise<void> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
	res.setHeader('X-Answered-By', 'origin');
	const path = (req.url ?? '').split('?')[0];
	switch (path) {
		case '/page': {
			const html = page('Origin page');
			if (req.headers['if-none-match'] === 'W/"page-v1"') {
				res.writeHead(304, { ETag: '"page-v1"', 'Cache-Control': 'public, max-age=60' });
				res.end();
				return;
			}
			res.writeHead(200, {
				'Content-Type': 'text/html; charset=utf-8',
				'Content-Length': Buffer.byteLength(html),
				'Cache-Control': 'public, max-age=60',
				ETag: '"page-v1"',
				'Last-Modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
				Vary: 'Accept-Encoding',
				'Set-Cookie': ['first=1; Path=/; HttpOnly', 'second=2; Path=/; SameSite=Lax'],
			});
			res.end(html);
			return;
		}
		case '/echo':
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify(seen.at(-1)));
			return;
		case '/redirect':
			res.writeHead(302, { Location: '/page?from=redirect', 'Set-Cookie': 'moved=yes; Path=/' });
			res.end();
			return;
		case '/gzip':
		case '/br': {
			const encoding = path === '/gzip' ? 'gzip' : 'br';
			const body = compress(page(`Compressed ${encoding}`), encoding);
			res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': encoding, 'Content-Length': body.length });
			res.end(body);
			return;
		}
		case '/script.js':
			res.writeHead(200, { 'Content-Type': 'text/javascript', 'Content-Length': 12, ETag: '"js"' });
			res.end('console.log(1)'.slice(0, 12));
			return;
		case '/download':
			res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': downloadBytes });
			res.write(megabyte);
			await rest.promise;
			for (let sent = 1; sent < downloadBytes / megabyte.length; sent++) {
				if (!res.write(megabyte)) await new Promise((resolve) => res.once('drain', resolve));
			}
			res.end();
			return;
		case '/events':
			res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
			res.write('data: first\n\n');
			await rest.promise;
			res.end('data: second\n\n');
			return;
		case '/endless':
			// An event stream with no end of its own: only a shutdown ends it.
			res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
			res.write('data: first\n\n');
			return;
		case '/silent':
			// Never answers: the proxy's timeout has to.
			await rest.promise;
			res.end();
			return;
		default:
			res.writeHead(404, { 'Content-Type': 'text/plain' });
			res.end('origin: no such page');
	}
}

describe('the collector’s own paths', () => {
	test('are answered by the collector; everything else by the origin', async () => {
		const health = await fetchRaw(`${proxy.url}/healthz`);
		expect(health.status).toBe(200);
		expect(health.headers['x-answered-by']).toBeUndefined();
		const unknownPluginPath = await fetchRaw(`${proxy.url}/plugins/nothing-here`);
		expect(unknownPluginPath.status).toBe(404);
		expect(JSON.parse(unknownPluginPath.body.toString())).toMatchObject({ error: { code: 'not_found' } });
		const other = await fetchRaw(`${proxy.url}/pluginsx`);
		expect(other.headers['x-answered-by']).toBe('origin');
		expect(seen.map((request) => request.url)).toEqual(['/pluginsx']);
	});

	test('isCollectorPath: /plugins/..., /healthz, /readyz, /metrics, with or without a query', () => {
		for (const path of ['/plugins/public/blueconic/sdk.js', '/plugins', '/healthz', '/readyz?x=1', '/metrics']) {
			expect(isCollectorPath(path), path).toBe(true);
		}
		for (const path of ['/', '/pluginsx', '/wp-content/plugins/x', '/healthz/x', '//plugins/x']) expect(isCollectorPath(path), path).toBe(false);
	});
});

describe('pages', () => {
	test('get the tag; cookies both ways and caching headers pass; Content-Length goes; the ETag is made weak', async () => {
		const response = await fetchRaw(`${proxy.url}/page?q=1`, { headers: { Cookie: 'blaize_session=abc; other=x' } });
		expect(response.status).toBe(200);
		expect(response.body.toString()).toBe(injected(page('Origin page')));
		expect(response.headers).toMatchObject({
			'set-cookie': ['first=1; Path=/; HttpOnly', 'second=2; Path=/; SameSite=Lax'],
			'cache-control': 'public, max-age=60',
			'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
			vary: 'Accept-Encoding',
			etag: 'W/"page-v1"',
		});
		expect(response.headers['content-length']).toBeUndefined();
		expect(seen[0]).toMatchObject({ url: '/page?q=1', headers: { cookie: 'blaize_session=abc; other=x' } });
	});

	test('revalidation with the weak ETag reaches the origin, whose 304 passes unchanged', async () => {
		const response = await fetchRaw(`${proxy.url}/page`, { headers: { 'If-None-Match': 'W/"page-v1"' } });
		expect(response.status).toBe(304);
		expect(response.headers).toMatchObject({ etag: '"page-v1"', 'cache-control': 'public, max-age=60' });
		expect(response.body.length).toBe(0);
	});

	for (const encoding of ['gzip', 'br'] as const) {
		test(`a ${encoding} page comes back ${encoding}, with the tag`, async () => {
			const response = await fetchRaw(`${proxy.url}/${encoding}`, { headers: { 'Accept-Encoding': 'gzip, br' } });
			expect(response.headers['content-encoding']).toBe(encoding);
			expect(decodedText(response)).toBe(injected(page(`Compressed ${encoding}`)));
			expect(seen[0]?.headers['accept-encoding']).toBe('gzip, br');
		});
	}

	test('HEAD passes unchanged, Content-Length and ETag as the origin sent them', async () => {
		const response = await fetchRaw(`${proxy.url}/page`, { method: 'HEAD' });
		expect(response.headers).toMatchObject({ etag: '"page-v1"', 'content-length': String(Buffer.byteLength(page('Origin page'))) });
		expect(seen[0]?.method).toBe('HEAD');
	});
});

describe('everything else passes through untouched', () => {
	test('the request: method, body, Host, cookies, plus X-Forwarded-*', async () => {
		const response = await new Promise<SeenRequest>((resolve, reject) => {
			const req = request(`${proxy.url}/echo`, { method: 'POST', agent: false, headers: { Host: 'www.publisher.test', Cookie: 'a=b', 'Content-Type': 'text/plain' } }, (res) =>
				readBody(res).then((body) => resolve(JSON.parse(body.toString()) as SeenRequest), reject),
			);
			req.on('error', reject);
			req.end('posted body');
		});
		expect(response).toMatchObject({
			method: 'POST',
			body: 'posted body',
			headers: { host: 'www.publisher.test', cookie: 'a=b', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'www.publisher.test' },
		});
	});

	test('redirects, with their Location and cookies, are not followed', async () => {
		const response = await fetchRaw(`${proxy.url}/redirect`);
		expect(response.status).toBe(302);
		expect(response.headers).toMatchObject({ location: '/page?from=redirect', 'set-cookie': ['moved=yes; Path=/'] });
		expect(seen).toHaveLength(1);
	});

	test('other types keep their bytes, Content-Length and ETag; the origin’s 404 stays a 404', async () => {
		const script = await fetchRaw(`${proxy.url}/script.js`);
		expect(script.headers).toMatchObject({ 'content-length': '12', etag: '"js"' });
		expect(script.body.toString()).toBe('console.log(');
		const missing = await fetchRaw(`${proxy.url}/missing`);
		expect(missing.status).toBe(404);
		expect(missing.body.toString()).toBe('origin: no such page');
	});

	test('a 50 MB download streams: its first bytes arrive before the origin sends the rest, and all of it arrives', async () => {
		const response = await openResponse(`${proxy.url}/download`);
		expect(response.headers['content-length']).toBe(String(downloadBytes));
		let received = 0;
		const firstBytes = new Promise<void>((resolve) => response.once('data', () => resolve()));
		response.on('data', (chunk: Buffer) => {
			received += chunk.length;
		});
		// The origin holds everything but its first megabyte until this resolves.
		await firstBytes;
		expect(received).toBeLessThanOrEqual(megabyte.length);
		rest.resolve();
		await new Promise((resolve) => response.on('end', resolve));
		expect(received).toBe(downloadBytes);
	});

	test('an event stream: the first event arrives while the origin is still sending', async () => {
		const response = await openResponse(`${proxy.url}/events`);
		expect(response.headers['content-type']).toBe('text/event-stream');
		expect(await readUntil(response, '\n\n')).toBe('data: first\n\n');
		rest.resolve();
		expect((await readBody(response)).toString()).toBe('data: second\n\n');
	});
});

describe('origin failures', () => {
	test('an origin that does not start its answer within timeoutMs: 504 origin_timeout, counted', async () => {
		const impatient = await startCollector(testConfig({ proxy: { origin: origin.url, timeoutMs: 1_000 } }));
		try {
			const response = await fetchRaw(`${impatient.url}/silent`);
			expect(response.status).toBe(504);
			expect(JSON.parse(response.body.toString())).toEqual({ error: { code: 'origin_timeout', message: 'the origin did not answer in time' } });
			const metrics = await fetchRaw(`${impatient.url}/metrics`, { headers: { Authorization: `Bearer ${apiKey}` } });
			expect(metrics.body.toString()).toMatch(/blueconic_bridge_proxy_responses_total\{outcome="origin_timeout"\} 1/);
		} finally {
			await impatient.stop();
		}
	});

	test('an origin that cannot be reached: 502 origin_unavailable', async () => {
		const gone = await startServer(() => {});
		const goneUrl = gone.url;
		await gone.close();
		const orphan = await startCollector(testConfig({ proxy: { origin: goneUrl } }));
		try {
			const response = await fetchRaw(`${orphan.url}/page`);
			expect(response.status).toBe(502);
			expect(JSON.parse(response.body.toString())).toMatchObject({ error: { code: 'origin_unavailable' } });
		} finally {
			await orphan.stop();
		}
	});

	test('the metrics count what happened to the answers', async () => {
		await fetchRaw(`${proxy.url}/page`);
		const metrics = await fetchRaw(`${proxy.url}/metrics`, { headers: { Authorization: `Bearer ${apiKey}` } });
		const text = metrics.body.toString();
		expect(text).toMatch(/blueconic_bridge_proxy_responses_total\{outcome="injected"\} [1-9]/);
	});
});

describe('answers, many and at shutdown', () => {
	test('20 proxied answers, pages and others, emit no process warning (no MaxListenersExceededWarning)', async () => {
		const warnings: Error[] = [];
		const onWarning = (warning: Error) => warnings.push(warning);
		process.on('warning', onWarning);
		try {
			for (let index = 0; index < 10; index++) {
				expect((await fetchRaw(`${proxy.url}/page`)).body.toString()).toBe(injected(page('Origin page')));
				expect((await fetchRaw(`${proxy.url}/script.js`)).status).toBe(200);
			}
			// A warning is emitted on the next tick of the listener that crossed the limit.
			await new Promise((resolve) => setImmediate(resolve));
		} finally {
			process.off('warning', onWarning);
		}
		expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([]);
	});

	test('while draining, proxied HTTP/1 answers say Connection: close, like the collector’s own', async () => {
		const draining = await startCollector(testConfig({ proxy: { origin: origin.url, timeoutMs: 120_000 } }));
		const keepAlive = { headers: { Connection: 'keep-alive' } };
		try {
			expect((await fetchRaw(`${draining.url}/page`, keepAlive)).headers.connection).toBe('keep-alive');
			draining.collector.startDraining();
			for (const path of ['/page', '/script.js']) {
				const response = await fetchRaw(`${draining.url}${path}`, keepAlive);
				expect(response.status, path).toBe(200);
				expect(response.headers.connection, path).toBe('close');
			}
			expect((await fetchRaw(`${draining.url}/healthz`, keepAlive)).headers.connection).toBe('close');
		} finally {
			await draining.stop({ drain: false });
		}
	});

	test('an endless event stream open at shutdown is ended at the grace deadline: the client sees it end, the shutdown finishes', async () => {
		const stopping = await startCollector(testConfig({ proxy: { origin: origin.url, timeoutMs: 120_000 }, server: { shutdownGraceSeconds: 1 } }));
		const response = await openResponse(`${stopping.url}/endless`);
		expect(await readUntil(response, '\n\n')).toBe('data: first\n\n');
		const rest = readBody(response);
		const outcome = await stopping.stop({ drain: false });
		expect(outcome).toEqual({ status: 'finished' });
		// A proper end of the chunked answer (not a reset): the body is read to its end, with nothing more.
		expect((await rest).toString()).toBe('');
		expect(response.complete).toBe(true);
	});
});

describe('config', () => {
	const minimal = { session: { validate: { type: 'memory' } }, sites: '*' } as const;

	test('proxy.origin is an http(s) origin (a trailing slash is fine); timeoutMs defaults to 30 s', () => {
		expect(parseConfig({ ...minimal, proxy: { origin: 'http://origin.internal:8080/' } }, {}).proxy).toEqual({
			origin: 'http://origin.internal:8080',
			timeoutMs: 30_000,
		});
		expect(parseConfig(minimal, {}).proxy).toBeUndefined();
	});

	test('a bad proxy section is refused, naming each field', () => {
		const problems = (proxySection: unknown): readonly string[] => {
			try {
				parseConfig({ ...minimal, proxy: proxySection }, {});
			} catch (error) {
				if (error instanceof ConfigError) return error.problems;
			}
			return [];
		};
		for (const origin of ['ftp://origin.internal', 'http://origin.internal/app', 'origin.internal:8080', 'http://o.internal/?x=1']) {
			expect(problems({ origin })).toEqual(['proxy.origin: must be an http or https origin without a path, like http://origin.internal:8080']);
		}
		expect(problems({})).toEqual([expect.stringMatching(/^proxy\.origin: /)]);
		expect([...problems({ origin: 'http://o.internal', timeoutMs: 0, target: 'x' })].sort()).toEqual([
			'proxy.target: is not a known field',
			'proxy.timeoutMs: must be greater than 0',
		]);
	});
});
