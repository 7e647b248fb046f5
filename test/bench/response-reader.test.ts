import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ResponseReader } from '../../bench/response-reader.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe("the load generator's response reader", () => {
	it('reads a 204 without a body and a 200 with a Content-Length body, whatever the chunking', () => {
		const wire = 'HTTP/1.1 204 No Content\r\nX-Request-Id: a\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n{"a":1}';
		const reader = new ResponseReader();
		const statuses: number[] = [];
		// Byte by byte: a response split anywhere is still read once, at its last byte.
		for (let at = 0; at < wire.length; at++) {
			const status = reader.read(bytes(wire[at] as string));
			if (status !== undefined) statuses.push(status);
		}
		expect(statuses).toEqual([204, 200]);
	});

	it('reads a chunked answer (chunk extensions and trailers included), whatever the chunking', () => {
		const wire =
			'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\na;ext=1\r\n0123456789\r\n0\r\n\r\n' +
			'HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n';
		for (const step of [1, 7, wire.length]) {
			const reader = new ResponseReader();
			const statuses: number[] = [];
			for (let at = 0; at < wire.length; at += step) {
				const status = reader.read(bytes(wire.slice(at, at + step)));
				if (status !== undefined) statuses.push(status);
			}
			expect(statuses, `in pieces of ${step}`).toEqual(step === wire.length ? [200] : [200, 201]);
		}
	});

	it('refuses a chunk size that is not one instead of miscounting', () => {
		const reader = new ResponseReader();
		expect(() => reader.read(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toThrow(/chunk size/);
	});

	it("reads a real node:http server's answers on one keep-alive connection", async () => {
		const server = createServer((req, res) => {
			if (req.url === '/empty') res.writeHead(204).end();
			else if (req.url === '/chunked') {
				res.write('a'.repeat(100_000));
				res.end('b');
			} else {
				// As the bare server answers: setHeader and end(body), so Node adds the Content-Length.
				res.setHeader('Content-Type', 'application/json');
				res.end('{"segment":"a","result":"yes"}');
			}
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		const socket = connect({ host: '127.0.0.1', port });
		const reader = new ResponseReader();
		const statuses: number[] = [];
		const paths = ['/empty', '/json', '/chunked', '/json', '/chunked', '/empty'];
		await new Promise<void>((resolve, reject) => {
			const next = () => {
				const path = paths[statuses.length];
				if (path === undefined) return resolve();
				socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
			};
			socket.on('connect', next);
			socket.on('data', (chunk: Buffer) => {
				try {
					const status = reader.read(chunk);
					if (status === undefined) return;
					statuses.push(status);
					next();
				} catch (error) {
					reject(error);
				}
			});
		});
		socket.destroy();
		server.close();
		expect(statuses).toEqual([204, 200, 200, 200, 200, 204]);
	});
});
