import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { scriptInjection } from '../../server/index.js';
import {
	capturingLogger,
	compress,
	decodedText,
	fetchRaw,
	injected,
	openResponse,
	page,
	readBody,
	readUntil,
	signal,
	type StartedServer,
	startServer,
} from './http-helpers.js';

let started: StartedServer | undefined;
afterEach(async () => {
	await started?.close();
	started = undefined;
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A bare node:http server: the middleware, then `handle`. */
async function serve(handle: Handler, inject = scriptInjection()): Promise<string> {
	started = await startServer((req, res) => {
		inject(req, res);
		handle(req, res);
	});
	return started.url;
}

describe('pages get the tag', () => {
	test('a page sent with end(): before </head>, Content-Length dropped (chunked), ETag made weak', async () => {
		const html = page();
		const url = await serve((_req, res) => {
			res.setHeader('Content-Type', 'text/html; charset=utf-8');
			res.setHeader('Content-Length', Buffer.byteLength(html));
			res.setHeader('ETag', '"v1"');
			res.end(html);
		});
		const response = await fetchRaw(url);
		expect(response.body.toString()).toBe(injected(html));
		expect(response.headers['content-length']).toBeUndefined();
		expect(response.headers['transfer-encoding']).toBe('chunked');
		expect(response.headers.etag).toBe('W/"v1"');
	});

	test('headers given to writeHead, as an object or a flat list, count like set ones', async () => {
		const html = page();
		const url = await serve((req, res) => {
			if (req.url === '/object') res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html) });
			else res.writeHead(200, 'Fine', ['Content-Type', 'text/html', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
			res.end(html);
		});
		const [object, list] = await Promise.all([fetchRaw(`${url}/object`), fetchRaw(`${url}/list`)]);
		expect(object.body.toString()).toBe(injected(html));
		expect(object.headers['content-length']).toBeUndefined();
		expect(list.body.toString()).toBe(injected(html));
		expect(list.headers['set-cookie']).toEqual(['a=1', 'b=2']);
	});

	test('a page written in parts reaches the client in parts: the head with the tag before the app wrote the rest', async () => {
		const rest = signal();
		const url = await serve((_req, res) => {
			res.writeHead(200, { 'Content-Type': 'text/html' });
			res.write('<!doctype html><html><head><title>T</title></head><body>');
			rest.promise.then(() => res.end('<p>the rest</p></body></html>'));
		});
		const response = await openResponse(url);
		// Would wait forever (and time out) if the middleware held the page back until its end.
		const head = await readUntil(response, '</head>');
		expect(head).toContain('<script async src="/plugins/public/blueconic/sdk.js"');
		expect(head).not.toContain('the rest');
		rest.resolve();
		expect((await readBody(response)).toString()).toBe('<p>the rest</p></body></html>');
	});

	test('a page written faster than the client reads: write() returns false, and drain follows once it reads', async () => {
		const chunk = `<p>${'x'.repeat(1024 * 1024 - 7)}</p>`;
		const maxChunks = 64;
		let writtenBeforeFull = -1;
		const url = await serve((_req, res) => {
			res.writeHead(200, { 'Content-Type': 'text/html' });
			res.write(page().replace('</body></html>', ''));
			let written = 0;
			const writeMore = (): void => {
				while (written < maxChunks) {
					written++;
					if (!res.write(chunk)) {
						if (writtenBeforeFull === -1) writtenBeforeFull = written;
						res.once('drain', writeMore);
						return;
					}
				}
				res.end('</body></html>');
			};
			writeMore();
		});
		const response = await openResponse(url);
		// The client reads nothing until the app has been told to wait.
		response.pause();
		await expect.poll(() => writtenBeforeFull).toBeGreaterThan(0);
		expect(writtenBeforeFull).toBeLessThan(maxChunks);
		const body = await readBody(response);
		expect(body.length).toBe(Buffer.byteLength(injected(page())) - '</body></html>'.length + maxChunks * chunk.length + '</body></html>'.length);
		expect(body.subarray(0, 200).toString()).toContain('<script async');
	});

	for (const encoding of ['gzip', 'br', 'deflate'] as const) {
		test(`a ${encoding} page is decompressed, injected and compressed again with ${encoding}`, async () => {
			const html = page('Compressed', '<p>zipped</p>'.repeat(500));
			const url = await serve((_req, res) => {
				const body = compress(html, encoding);
				res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': encoding, 'Content-Length': body.length });
				res.end(body);
			});
			const response = await fetchRaw(url);
			expect(response.headers['content-encoding']).toBe(encoding);
			expect(decodedText(response)).toBe(injected(html));
		});
	}

	test('the nonce of the page’s CSP goes on the tag; a hash-only CSP gets a nonce added, the same as on the tag', async () => {
		const url = await serve((req, res) => {
			const policy = req.url === '/nonce' ? "script-src 'nonce-pagenonce'; connect-src 'self'" : "script-src 'sha256-AAAA'; connect-src 'self'";
			res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Security-Policy': policy });
			res.end(page());
		});
		const withNonce = await fetchRaw(`${url}/nonce`);
		expect(withNonce.body.toString()).toContain(' nonce="pagenonce"');
		expect(withNonce.headers['content-security-policy']).toBe("script-src 'nonce-pagenonce'; connect-src 'self'");

		const hashOnly = await fetchRaw(`${url}/hash`);
		const tagNonce = /nonce="([^"]+)"/.exec(hashOnly.body.toString())?.[1];
		expect(tagNonce).toMatch(/^[A-Za-z0-9+/]{24}$/);
		expect(hashOnly.headers['content-security-policy']).toBe(`script-src 'sha256-AAAA' 'nonce-${tagNonce}'; connect-src 'self'`);
		// A new nonce for each answer.
		expect((await fetchRaw(`${url}/hash`)).body.toString()).not.toContain(tagNonce);
	});

	test('options: a collector elsewhere, with extra data-* attributes', async () => {
		const inject = scriptInjection({
			scriptUrl: 'https://collector.example.com/plugins/public/blueconic/sdk.js',
			attributes: { 'data-consent': 'required' },
		});
		const url = await serve((_req, res) => {
			res.writeHead(200, { 'Content-Type': 'text/html' });
			res.end(page());
		}, inject);
		expect((await fetchRaw(url)).body.toString()).toContain(
			'<script async src="https://collector.example.com/plugins/public/blueconic/sdk.js" ' +
				'data-endpoint="https://collector.example.com/plugins/public/blueconic/segments" data-consent="required"></script></head>',
		);
	});
});

describe('answers left alone', () => {
	test('a page that already includes the script comes out byte for byte', async () => {
		const html = page('Has it').replace('</head>', '<script async src="/plugins/public/blueconic/sdk.js"></script></head>');
		const url = await serve((_req, res) => {
			res.writeHead(200, { 'Content-Type': 'text/html' });
			res.end(html);
		});
		expect((await fetchRaw(url)).body.toString()).toBe(html);
	});

	test('JSON, HEAD, 304 and 204 answers keep their headers and bodies, and the original methods come back', async () => {
		let restored = false;
		const url = await serve((req, res) => {
			if (req.url === '/json') {
				res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2, ETag: '"j"' });
				res.end('{}');
				restored = !Object.hasOwn(res, 'write') || res.write === Object.getPrototypeOf(res).write;
			} else if (req.url === '/not-modified') {
				res.writeHead(304, { ETag: '"v1"', 'Content-Type': 'text/html' });
				res.end();
			} else if (req.url === '/no-content') {
				res.writeHead(204, { 'Content-Type': 'text/html' });
				res.end();
			} else {
				res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': 1234, ETag: '"v1"' });
				res.end();
			}
		});
		const json = await fetchRaw(`${url}/json`);
		expect(json).toMatchObject({ status: 200, headers: { 'content-length': '2', etag: '"j"' } });
		expect(json.body.toString()).toBe('{}');
		expect(restored).toBe(true);
		const head = await fetchRaw(`${url}/page`, { method: 'HEAD' });
		expect(head.headers).toMatchObject({ 'content-length': '1234', etag: '"v1"' });
		const notModified = await fetchRaw(`${url}/not-modified`);
		expect(notModified).toMatchObject({ status: 304, headers: { etag: '"v1"' } });
		expect(notModified.body.length).toBe(0);
		const noContent = await fetchRaw(`${url}/no-content`);
		expect(noContent.status).toBe(204);
		expect(noContent.body.length).toBe(0);
	});

	test('an encoding it cannot undo: passed on as it is, and said once in the log', async () => {
		const { logger, lines } = capturingLogger();
		const body = Buffer.from('not really zstd');
		const url = await serve((_req, res) => {
			res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'zstd', 'Content-Length': body.length });
			res.end(body);
		}, scriptInjection({ logger }));
		for (let attempt = 0; attempt < 2; attempt++) {
			const response = await fetchRaw(url);
			expect(response.body.equals(body)).toBe(true);
			expect(response.headers['content-length']).toBe(String(body.length));
		}
		const notices = lines.filter((line) => line.reason === 'unsupported_encoding');
		expect(notices).toHaveLength(1);
		expect(notices[0]?.msg).toContain('Content-Encoding "zstd"');
	});

	test('a corrupt gzip body: the answer is cut off (not passed as if whole), and the failure logged', async () => {
		const { logger, lines } = capturingLogger();
		const url = await serve((_req, res) => {
			res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' });
			res.end(Buffer.from('this is not gzip'));
		}, scriptInjection({ logger }));
		await expect(fetchRaw(url)).rejects.toThrow();
		await expect.poll(() => lines.some((line) => String(line.msg).includes('could not be passed on whole'))).toBe(true);
	});
});

test('bad options throw a TypeError naming them', () => {
	expect(() => scriptInjection({ scriptURL: '/x' } as never)).toThrow('scriptInjection: unknown option "scriptURL"');
	expect(() => scriptInjection({ endpoint: 'ftp://x' })).toThrow(TypeError);
});
