import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Collector } from './app.js';

export interface RunningCollector {
	server: Server;
	/** `http://host:port`, with the port actually bound (useful with port 0). */
	url: string;
	/** Stops taking connections, lets requests in flight finish, then closes the collector. */
	stop(): Promise<void>;
}

/** Serves a collector over HTTP on `host:port` (port 0 picks a free one). */
export async function listen(collector: Collector, { port, host }: { port: number; host: string }): Promise<RunningCollector> {
	const server = createServer(collector.callback());
	// Bounds on slow clients, so a trickle of bytes cannot hold a connection (and its memory) for minutes.
	server.headersTimeout = 10_000;
	server.requestTimeout = 15_000;
	const url = await startListening(server, port, host);
	let stopping: Promise<void> | undefined;
	return {
		server,
		url,
		stop() {
			stopping ??= stopServing(server, collector);
			return stopping;
		},
	};
}

/**
 * Stops `server`, which serves `collector` (alone or beside other handlers): drains, stops taking connections,
 * lets requests in flight finish, then closes the collector.
 */
export async function stopServing(server: Server, collector: Collector): Promise<void> {
	collector.startDraining();
	await new Promise<void>((resolve) => {
		server.close(() => resolve());
		// Keep-alive connections with no request in flight would otherwise hold close() open.
		server.closeIdleConnections();
	});
	await collector.close();
}

/** Binds `server` to `host:port` (port 0 picks a free one); resolves with `http://host:port` as bound. */
export async function startListening(server: Server, port: number, host: string): Promise<string> {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address() as AddressInfo;
	return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}
