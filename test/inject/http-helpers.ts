import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type RequestListener, type Server } from 'node:http';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { pino } from 'pino';
import type { Logger } from '../../server/logger.js';
import { startListening } from '../../server/listen.js';

export interface StartedServer {
	server: Server;
	url: string;
	close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 with a free port. */
export async function startServer(listener: RequestListener): Promise<StartedServer> {
	const server = createServer(listener);
	const url = await startListening(server, 0, '127.0.0.1');
	return {
		server,
		url,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

export interface RawResponse {
	status: number;
	headers: IncomingHttpHeaders;
	/** The body as sent (still compressed when it was). */
	body: Buffer;
}

/** A request whose answer is read as bytes, undecoded; a fresh connection each time. */
export function fetchRaw(url: string, { method = 'GET', headers = {} }: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
	return new Promise((resolve, reject) => {
		const req = request(url, { method, headers, agent: false }, (res) => {
			readBody(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }), reject);
		});
		req.on('error', reject);
		req.end();
	});
}

/** Starts a request and resolves with the answer's head; its body is for the caller to read (or not). */
export function openResponse(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
	return new Promise((resolve, reject) => {
		const req = request(url, { headers, agent: false }, resolve);
		req.on('error', reject);
		req.end();
	});
}

export async function readBody(res: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of res) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** Reads `res` until its text so far contains `marker`; resolves with that text (the rest stays unread). */
export function readUntil(res: IncomingMessage, marker: string): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = '';
		const onData = (chunk: Buffer): void => {
			text += chunk.toString('utf8');
			if (!text.includes(marker)) return;
			res.off('data', onData);
			res.pause();
			resolve(text);
		};
		res.on('data', onData);
		res.once('end', () => reject(new Error(`the body ended without "${marker}"`)));
		res.once('error', reject);
	});
}

/** The body decompressed per its Content-Encoding, as UTF-8 text. */
export function decodedText({ headers, body }: RawResponse): string {
	switch (headers['content-encoding']) {
		case 'gzip':
			return zlib.gunzipSync(body).toString('utf8');
		case 'br':
			return zlib.brotliDecompressSync(body).toString('utf8');
		case 'deflate':
			return zlib.inflateSync(body).toString('utf8');
		default:
			return body.toString('utf8');
	}
}

/** `text` compressed with `encoding` (gzip, br, deflate). */
export function compress(text: string, encoding: 'gzip' | 'br' | 'deflate'): Buffer {
	if (encoding === 'gzip') return zlib.gzipSync(text);
	if (encoding === 'br') return zlib.brotliCompressSync(text);
	return zlib.deflateSync(text);
}

/** A logger whose lines are kept in `lines` (parsed), for tests of what is logged. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
	const lines: Record<string, unknown>[] = [];
	const destination = new Writable({
		write(chunk: Buffer, _encoding, done) {
			for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
			done();
		},
	});
	return { logger: pino({ level: 'debug' }, destination), lines };
}

/** A promise with its resolve function, for an origin that waits for the test's signal. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
	let resolve!: () => void;
	const promise = new Promise<void>((settle) => {
		resolve = settle;
	});
	return { promise, resolve };
}

export const defaultTag =
	'<script async src="/plugins/public/blueconic/sdk.js" data-endpoint="/plugins/public/blueconic/segments"></script>';

/** A small page with a head. */
export function page(title = 'Page', body = '<p>hello</p>'): string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

/** `page()` as the injection leaves it (with the default tag). */
export function injected(html: string, tag = defaultTag): string {
	return html.replace('</head>', `${tag}</head>`);
}
