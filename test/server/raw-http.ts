import { connect, type Socket } from 'node:net';

/**
 * HTTP/1.1 over a bare node:net socket on 127.0.0.1, for what node:http clients cannot do: stop in the middle of a
 * body, promise 10 GB, hold a connection without sending anything, and see exactly how the server ends it.
 */
export interface RawConnection {
	readonly socket: Socket;
	/** Everything the server sent so far. */
	received(): string;
	/** Resolves with the status line's code and the headers (lower-case names) once the server sent its head. */
	responseHead(): Promise<{ status: number; headers: Record<string, string> }>;
	/** Bytes of this connection's writes that reached the socket. */
	bytesWritten(): number;
	/** Resolves once the connection is closed: `ended` if the server closed it (FIN), and any socket error seen. */
	closed: Promise<{ endedByServer: boolean; errorCode: string | undefined }>;
}

export async function openRawConnection(baseUrl: string): Promise<RawConnection> {
	const { hostname, port } = new URL(baseUrl);
	const socket = connect(Number(port), hostname);
	let received = '';
	let endedByServer = false;
	let errorCode: string | undefined;
	const headWaiters: Array<() => void> = [];
	socket.setEncoding('latin1');
	socket.on('data', (chunk: string) => {
		received += chunk;
		if (received.includes('\r\n\r\n')) for (const resolve of headWaiters.splice(0)) resolve();
	});
	socket.on('end', () => (endedByServer = true));
	socket.on('error', (error: NodeJS.ErrnoException) => (errorCode ??= error.code ?? error.message));
	const closed = new Promise<{ endedByServer: boolean; errorCode: string | undefined }>((resolve) =>
		socket.on('close', () => resolve({ endedByServer, errorCode })),
	);
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('error', reject);
	});
	return {
		socket,
		received: () => received,
		bytesWritten: () => socket.bytesWritten,
		closed,
		async responseHead() {
			if (!received.includes('\r\n\r\n')) {
				await new Promise<void>((resolve, reject) => {
					headWaiters.push(resolve);
					socket.once('close', () => reject(new Error(`closed before a response head; received ${JSON.stringify(received)}`)));
				});
			}
			const [statusLine = '', ...lines] = received.slice(0, received.indexOf('\r\n\r\n')).split('\r\n');
			const headers: Record<string, string> = {};
			for (const line of lines) {
				const colon = line.indexOf(':');
				headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
			}
			return { status: Number(statusLine.split(' ')[1]), headers };
		},
	};
}

/** A request head: `POST /path HTTP/1.1`, `Host` first, then `headers`, then the blank line. */
export function requestHead(method: string, path: string, headers: Record<string, string>): string {
	const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries({ host: 'www.publisher.test', ...headers }).map(([name, value]) => `${name}: ${value}`)];
	return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Writes `totalBytes` of body as fast as the socket takes them, stopping early when the connection closes or fails
 * (what a client does when the server hangs up on it). Resolves with the bytes written.
 */
export function pumpBody(connection: RawConnection, totalBytes: number): Promise<number> {
	const chunk = Buffer.alloc(64 * 1024, 'a');
	const { socket } = connection;
	return new Promise((resolve) => {
		let written = 0;
		const stop = () => resolve(written);
		socket.once('close', stop);
		const write = () => {
			while (written < totalBytes && !socket.destroyed) {
				const size = Math.min(chunk.length, totalBytes - written);
				written += size;
				if (!socket.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
					socket.once('drain', write);
					return;
				}
			}
			socket.off('close', stop);
			resolve(written);
		};
		write();
	});
}
