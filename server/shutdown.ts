import type { Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Collector } from './app.js';
import type { RequestsInFlight } from './http/requests-in-flight.js';

/** How a shutdown ended. */
export type ShutdownOutcome =
	/** Every request in flight was answered; connections without one (idle, half-open) were simply closed. */
	| { readonly status: 'finished' }
	/** Requests still unanswered after the grace and the abort had their connections closed. */
	| { readonly status: 'cut'; readonly requestsCut: number };

export interface ShutdownTiming {
	/** Keep serving, and accepting connections, this long while reporting not ready. */
	readonly drainMs: number;
	/** Then give the requests in flight this long before aborting what still waits on BlueConic. */
	readonly graceMs: number;
}

// Once aborted, webhooks answer at once; this bounds the wait for those answers to be written.
const afterAbortMs = 1_000;

/**
 * Shuts `server` (serving `collector`) down: reports not ready and keeps serving for `drainMs`, stops accepting,
 * waits for the requests in flight (not for idle or half-open connections) at most `graceMs`, then aborts the
 * BlueConic calls still waiting, closes every connection left and closes the collector.
 */
export async function shutDown(
	server: Server,
	collector: Collector,
	requests: RequestsInFlight,
	{ drainMs, graceMs }: ShutdownTiming,
): Promise<ShutdownOutcome> {
	collector.startDraining();
	if (drainMs > 0) await delay(drainMs);
	const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
	// Keep-alive connections with no request in flight would otherwise hold close() open.
	server.closeIdleConnections();
	if ((await settledWithin(requests.whenNone(), graceMs)) === 'late') {
		collector.abort();
		await settledWithin(requests.whenNone(), afterAbortMs);
	}
	const requestsCut = requests.count;
	// Left: connections without a request (half-open, headers still trickling in) and the requests that were cut.
	server.closeAllConnections();
	await listenerClosed;
	await collector.close();
	return requestsCut === 0 ? { status: 'finished' } : { status: 'cut', requestsCut };
}

/** Waits for `promise`, at most `ms`; the timer is cleared either way, so it never holds the process open. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'late'> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<'late'>((resolve) => {
		timer = setTimeout(resolve, ms, 'late');
	});
	return Promise.race([promise.then(() => 'settled' as const), late]).finally(() => clearTimeout(timer));
}
