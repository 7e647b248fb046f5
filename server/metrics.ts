import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The collector's own Prometheus metrics, on a registry of its own so two collectors in one process never clash. */
export interface CollectorMetrics {
	registry: Registry;
	sessionValidations: Counter<'outcome'>;
	segmentReports: Counter<'outcome'>;
	/** Sessions the in-process store let go before their time: `bytes` (over maxBytes) or `sessions` (over maxSessions). */
	sessionEvictions: Counter<'reason'>;
	/** Counts one answered request and its duration since `startedAt` (from `process.hrtime.bigint()`). */
	observeRequest(route: string, method: string, status: number, startedAt: bigint): void;
}

/** `storeBytes`: the heap the in-process store counts against `segments.maxBytes` (absent with another store). */
export function createMetrics(sessionsHeld: () => Promise<number>, storeBytes?: () => number): CollectorMetrics {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry, prefix: 'blueconic_bridge_' });
	const requests = new Counter({
		name: 'blueconic_bridge_http_requests_total',
		help: 'HTTP requests answered, by route, method and status.',
		labelNames: ['route', 'method', 'status'] as const,
		registers: [registry],
	});
	const requestSeconds = new Histogram({
		name: 'blueconic_bridge_http_request_duration_seconds',
		help: 'Time to answer an HTTP request, by route.',
		labelNames: ['route'] as const,
		buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
		registers: [registry],
	});
	const metrics: CollectorMetrics = {
		registry,
		observeRequest(route, method, status, startedAt) {
			requests.inc({ route, method, status });
			requestSeconds.observe({ route }, Number(process.hrtime.bigint() - startedAt) / 1e9);
		},
		sessionValidations: new Counter({
			name: 'blueconic_bridge_session_upstream_checks_total',
			help: 'Calls to the upstream session validator (cache misses), by outcome.',
			labelNames: ['outcome'],
			registers: [registry],
		}),
		segmentReports: new Counter({
			name: 'blueconic_bridge_segment_reports_total',
			help: 'Segment reports received from browsers, by outcome.',
			labelNames: ['outcome'],
			registers: [registry],
		}),
		sessionEvictions: new Counter({
			name: 'blueconic_bridge_sessions_evicted_total',
			help: 'Sessions evicted from the in-process store to stay within its bounds, by reason (bytes, sessions).',
			labelNames: ['reason'],
			registers: [registry],
		}),
	};
	new Gauge({
		name: 'blueconic_bridge_sessions_held',
		help: 'Sessions whose segments the store holds.',
		registers: [registry],
		async collect() {
			this.set(await sessionsHeld());
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
