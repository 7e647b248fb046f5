import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Collector } from './app.js';
import { trackRequestsInFlight } from './http/requests-in-flight.js';
import { type ShutdownOutcome, shutDown } from './shutdown.js';

export type { ShutdownOutcome } from './shutdown.js';

export interface RunningCollector {
	server: Server;
	/** `http://host:port`, with the port actually bound (useful with port 0). */
	url: string;
	/**
	 * Shuts down (see `shutDown`): reports not ready for `server.drainSeconds` while still serving (unless
	 * `drain: false`), stops accepting, gives requests in flight `server.shutdownGraceSeconds`, then aborts what still
	 * waits on BlueConic and closes the collector. Calling it again returns the same shutdown.
	 */
	stop(options?: { drain?: boolean }): Promise<ShutdownOutcome>;
}

// How often Node checks the headers and request timeouts. Its default, 30 s, would let a slowloris connection
// live half a minute past them.
const timeoutCheckIntervalMs = 1_000;

/** Serves a collector over HTTP on `host:port` (port 0 picks a free one), with its `server` settings. */
export async function listen(collector: Collector, { port, host }: { port: number; host: string }): Promise<RunningCollector> {
	const settings = collector.config.server;
	const server = createServer({ connectionsCheckingInterval: timeoutCheckIntervalMs }, collector.callback());
	// Bounds on slow clients, so a trickle of bytes cannot hold a connection (and its memory) for minutes.
	server.headersTimeout = secondsToMs(settings.headersTimeoutSeconds);
	server.requestTimeout = secondsToMs(settings.requestTimeoutSeconds);
	server.keepAliveTimeout = secondsToMs(settings.keepAliveTimeoutSeconds);
	// Past it, Node closes new connections as they come, so a flood cannot take every file descriptor.
	server.maxConnections = settings.maxConnections;
	collector.metrics.observeConnections(server);
	const requests = trackRequestsInFlight(server);
	collector.metrics.observeRequestsInFlight(requests);
	const url = await startListening(server, port, host);
	let stopping: Promise<ShutdownOutcome> | undefined;
	return {
		server,
		url,
		stop({ drain = true } = {}) {
			stopping ??= shutDown(server, collector, requests, {
				drainMs: drain ? secondsToMs(settings.drainSeconds) : 0,
				graceMs: secondsToMs(settings.shutdownGraceSeconds),
			});
			return stopping;
		},
	};
}

/**
 * Stops `server`, which serves `collector` beside other handlers (the demo): drains, stops taking connections,
 * lets requests in flight finish, then closes the collector. `listen()`'s `stop` is the bounded shutdown.
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

function secondsToMs(seconds: number): number {
	return Math.round(seconds * 1000);
}
