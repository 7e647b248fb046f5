import type { Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { type Count, CountedCounter, CountedHistogram, type Observations } from './metric-counts.js';

/** The collector's own Prometheus metrics, on a registry of its own so two collectors in one process never clash. */
export interface CollectorMetrics {
	registry: Registry;
	sessionValidations: CountedCounter<'outcome'>;
	segmentReports: CountedCounter<'outcome'>;
	/** Decisions answered (browser lookups and each node of a backend decide), by result: yes, no, unknown. */
	decisions: CountedCounter<'result'>;
	/** Sessions the in-process store let go before their time: `bytes` (over maxBytes) or `sessions` (over maxSessions). */
	sessionEvictions: CountedCounter<'reason'>;
	/** Failed calls to the store (Redis), by `operation`: `read`, `write`, `count`, `rate_limit`. */
	storeErrors: CountedCounter<'operation'>;
	/** Counts one answered request and its duration since `startedAt` (from `performance.now()`). */
	observeRequest(route: string, method: string, status: number, startedAt: number): void;
	/** The same, for one route resolved once: what the browser endpoints count into on every request. */
	routeRequests(route: string): RouteRequests;
	/** Counts the connections `server` holds and those it refuses past `server.maxConnections`. */
	observeConnections(server: Server): void;
	/** Reads the requests `listen()` is answering when scraped (what a shutdown waits for). */
	observeRequestsInFlight(requests: { readonly count: number }): void;
}

/** One route's request counts (by method and status) and durations. */
export class RouteRequests {
	readonly #byMethod = new Map<string, Map<number, Count>>();
	constructor(
		readonly route: string,
		readonly requests: CountedCounter<'route' | 'method' | 'status'>,
		readonly seconds: Observations,
	) {}

	/** Counts one answered request and its duration since `startedAt` (from `performance.now()`). */
	observe(method: string, status: number, startedAt: number): void {
		let byStatus = this.#byMethod.get(method);
		if (byStatus === undefined) {
			byStatus = new Map();
			this.#byMethod.set(method, byStatus);
		}
		let count = byStatus.get(status);
		if (count === undefined) {
			count = this.requests.labels(this.route, method, String(status));
			byStatus.set(status, count);
		}
		count.value++;
		this.seconds.observe((performance.now() - startedAt) / 1000);
	}
}

/** What the gauges read when scraped. */
export interface MetricSources {
	sessionsHeld(): Promise<number>;
	/** Whether `/readyz` would answer 200. */
	ready(): Promise<boolean>;
	/** The heap the in-process store counts against `segments.maxBytes`; undefined with another store. */
	storeBytes?(): number;
}

export function createMetrics({ sessionsHeld, ready, storeBytes }: MetricSources): CollectorMetrics {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry, prefix: 'blueconic_bridge_' });
	// Counted as plain numbers, copied into the registry when it is read (see metric-counts.ts).
	const requests = new CountedCounter({
		name: 'blueconic_bridge_http_requests_total',
		help: 'HTTP requests answered, by route, method and status.',
		labelNames: ['route', 'method', 'status'] as const,
		registry,
	});
	const requestSeconds = new CountedHistogram({
		name: 'blueconic_bridge_http_request_duration_seconds',
		help: 'Time to answer an HTTP request, by route.',
		labelName: 'route',
		buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
		registry,
	});
	const byRoute = new Map<string, RouteRequests>();
	const routeRequests = (route: string): RouteRequests => {
		let counts = byRoute.get(route);
		if (counts === undefined) {
			counts = new RouteRequests(route, requests, requestSeconds.labels(route));
			byRoute.set(route, counts);
		}
		return counts;
	};
	let openConnections = 0;
	new Gauge({
		name: 'blueconic_bridge_connections',
		help: 'Open HTTP connections to the collector (when it serves them itself: listen(), the serve command).',
		registers: [registry],
		collect() {
			this.set(openConnections);
		},
	});
	let requestsInFlight: { readonly count: number } | undefined;
	new Gauge({
		name: 'blueconic_bridge_http_requests_in_flight',
		help: 'HTTP requests received and not answered yet, decisions waiting for a first report included.',
		registers: [registry],
		collect() {
			this.set(requestsInFlight?.count ?? 0);
		},
	});
	const refusedConnections = new Counter({
		name: 'blueconic_bridge_connections_refused_total',
		help: 'Connections closed as soon as accepted because server.maxConnections were open.',
		registers: [registry],
	});
	const metrics: CollectorMetrics = {
		registry,
		observeRequest(route, method, status, startedAt) {
			routeRequests(route).observe(method, status, startedAt);
		},
		routeRequests,
		observeRequestsInFlight(requests) {
			requestsInFlight = requests;
		},
		observeConnections(server) {
			server.on('connection', (socket: Socket) => {
				openConnections++;
				socket.once('close', () => openConnections--);
			});
			// Node closes a connection past maxConnections before any 'connection' event, and says so with 'drop'.
			server.on('drop', () => refusedConnections.inc());
		},
		sessionValidations: new CountedCounter({
			name: 'blueconic_bridge_session_upstream_checks_total',
			help: 'Calls to the upstream session validator (cache misses), by outcome.',
			labelNames: ['outcome'] as const,
			registry,
		}),
		segmentReports: new CountedCounter({
			name: 'blueconic_bridge_segment_reports_total',
			help: 'Segment reports received from browsers, by outcome.',
			labelNames: ['outcome'] as const,
			registry,
		}),
		decisions: new CountedCounter({
			name: 'blueconic_bridge_decisions_total',
			help: 'Segment decisions answered (browser lookups and each node of a backend decide), by result.',
			labelNames: ['result'] as const,
			registry,
		}),
		sessionEvictions: new CountedCounter({
			name: 'blueconic_bridge_sessions_evicted_total',
			help: 'Sessions evicted from the in-process store to stay within its bounds, by reason (bytes, sessions).',
			labelNames: ['reason'] as const,
			registry,
		}),
		storeErrors: new CountedCounter({
			name: 'blueconic_bridge_store_errors_total',
			help: 'Failed calls to the segment store (Redis), by operation; reads then answer unknown, writes 503.',
			labelNames: ['operation'] as const,
			registry,
		}),
	};
	new Gauge({
		name: 'blueconic_bridge_sessions_held',
		help: 'Sessions whose segments the store holds (NaN while the store cannot be reached).',
		registers: [registry],
		async collect() {
			// A scrape during a Redis outage must still answer: that is when the other metrics matter most.
			this.set(await sessionsHeld().catch(() => Number.NaN));
		},
	});
	new Gauge({
		name: 'blueconic_bridge_ready',
		help: '1 while /readyz answers 200 (store and queue reachable, not draining), else 0.',
		registers: [registry],
		async collect() {
			this.set((await ready().catch(() => false)) ? 1 : 0);
		},
	});
	if (storeBytes !== undefined) {
		new Gauge({
			name: 'blueconic_bridge_store_bytes',
			help: 'Heap the in-process segment store holds, as counted against segments.maxBytes.',
			registers: [registry],
			collect() {
				this.set(storeBytes());
			},
		});
	}
	return metrics;
}
