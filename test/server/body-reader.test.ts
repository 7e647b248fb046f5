import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBodyThen } from '../../server/http/body-reader.js';
import { startListening } from '../../server/listen.js';

interface Outcome {
	body?: string;
	context?: string;
	code?: string;
	status?: number;
	/** Whether the request stream was left paused (not read further) when the reader refused it. */
	paused?: boolean;
}

const maxBytes = 100;
let server: Server;
let url: string;
let outcomes: Outcome[] = [];

beforeAll(async () => {
	server = createServer((req: IncomingMessage, res) => {
		readBodyThen(req, maxBytes, (body, context: string) => ({ body: body.toString('utf8'), context }), 'the context').then(
			(outcome) => {
				outcomes.push(outcome);
				res.writeHead(204).end();
			},
			(error: { code: string; status: number }) => {
				outcomes.push({ code: error.code, status: error.status, paused: req.isPaused() });
				res.writeHead(error.status, { connection: 'close' }).end();
			},
		);
	});
	url = await startListening(server, 0, '127.0.0.1');
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Writes `head` and `chunks` on a raw connection; resolves with the status line, or '' when closed without one. */
function exchange(head: string, chunks: Array<string | Buffer>, { destroyAfter = false } = {}): Promise<string> {
	const { port } = new URL(url);
	return new Promise((resolve) => {
		const socket = connect(Number(port), '127.0.0.1', () => {
			socket.write(head);
			for (const chunk of chunks) socket.write(chunk);
			if (destroyAfter) setImmediate(() => socket.destroy());
		});
		let answer = '';
		socket.on('data', (data) => {
			answer += data.toString('latin1');
		});
		socket.on('error', () => {});
		socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
	});
}

const post = (headers: string) => `POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`;

describe('the body reader', () => {
	it('reads a body in one or many chunks and passes it on with its context', async () => {
		outcomes = [];
		expect(await exchange(post('Content-Length: 11\r\n'), ['["a",', '"b"]', '  '])).toBe('HTTP/1.1 204 No Content');
		expect(await exchange(post('Transfer-Encoding: chunked\r\n'), ['3\r\n["a\r\n', '2\r\n"]\r\n', '0\r\n\r\n'])).toBe('HTTP/1.1 204 No Content');
		expect(await exchange(post('Content-Length: 0\r\n'), [])).toBe('HTTP/1.1 204 No Content');
		expect(outcomes).toEqual([
			{ body: '["a","b"]  ', context: 'the context' },
			{ body: '["a"]', context: 'the context' },
			{ body: '', context: 'the context' },
		]);
	});

	it('refuses a declared Content-Length over the limit at once, without reading, and leaves the stream paused', async () => {
		outcomes = [];
		expect(await exchange(post(`Content-Length: ${maxBytes + 1}\r\n`), [])).toBe('HTTP/1.1 413 Payload Too Large');
		expect(outcomes).toEqual([{ code: 'body_too_large', status: 413, paused: true }]);
	});

	it('refuses a chunked body as soon as it passes the limit', async () => {
		outcomes = [];
		const chunk = 'a'.repeat(60);
		const chunked = `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
		// The end of the body never comes: the answer cannot have waited for it.
		expect(await exchange(post('Transfer-Encoding: chunked\r\n'), [chunked, chunked])).toBe('HTTP/1.1 413 Payload Too Large');
		expect(outcomes).toEqual([{ code: 'body_too_large', status: 413, paused: true }]);
	});

	it('answers request_aborted when the client goes away before the end of the body', async () => {
		outcomes = [];
		await exchange(post('Content-Length: 50\r\n'), ['["a"'], { destroyAfter: true });
		await expect.poll(() => outcomes).toEqual([{ code: 'request_aborted', status: 400, paused: false }]);
	});

	it('answers request_aborted when the client went away while the route waited, before the read began', async () => {
		const settled: string[] = [];
		const late = createServer((req) => {
			// As a route waiting for a session check or Redis: the body is asked for only once the client has gone.
			req.once('close', () => {
				readBodyThen(req, maxBytes, () => 'read', undefined).then(
					(outcome) => settled.push(outcome),
					(error: { code: string }) => settled.push(error.code),
				);
			});
		});
		const lateUrl = await startListening(late, 0, '127.0.0.1');
		try {
			const { port } = new URL(lateUrl);
			const socket = connect(Number(port), '127.0.0.1', () => {
				socket.write(post('Content-Length: 50\r\n'));
				socket.write('["a"');
				setImmediate(() => socket.destroy());
			});
			socket.on('error', () => {});
			await expect.poll(() => settled).toEqual(['request_aborted']);
		} finally {
			await new Promise<void>((resolve) => late.close(() => resolve()));
		}
	});

	it('passes a throw of the next step on as the rejection', async () => {
		const failing = createServer((req, res) => {
			readBodyThen(
				req,
				maxBytes,
				() => {
					throw new Error('next step failed');
				},
				undefined,
			).catch((error: Error) => res.writeHead(500).end(error.message));
		});
		const failingUrl = await startListening(failing, 0, '127.0.0.1');
		try {
			const response = await fetch(failingUrl, { method: 'POST', body: '[]' });
			expect([response.status, await response.text()]).toEqual([500, 'next step failed']);
		} finally {
			await new Promise<void>((resolve) => failing.close(() => resolve()));
		}
	});
});
