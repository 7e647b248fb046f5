import { Counter, type Registry } from 'prom-client';
import type { SegmentCacheEvents } from './segment-cache.js';

export interface BlueConicSegmentsMetrics {
	readonly cacheEvents: SegmentCacheEvents;
	/** A browser report claimed a segment BlueConic does not confirm (`verified`): ignored. */
	readonly ignoredBrowserClaims: Counter;
}

/** Counters of segment reads from BlueConic, registered on the collector's registry (served at `/metrics`). */
export function createBlueConicSegmentsMetrics(registry: Registry): BlueConicSegmentsMetrics {
	const lookups = new Counter({
		name: 'blueconic_bridge_blueconic_segment_lookups_total',
		help: 'Decisions that asked for BlueConic segments, by outcome (cached, stale, fetched, no_profile, unavailable, timed_out).',
		labelNames: ['outcome'] as const,
		registers: [registry],
	});
	const requests = new Counter({
		name: 'blueconic_bridge_blueconic_segment_requests_total',
		help: 'Requests to BlueConic for segments, by call (profile_search, profile_segments) and outcome.',
		labelNames: ['call', 'outcome'] as const,
		registers: [registry],
	});
	const ignoredBrowserClaims = new Counter({
		name: 'blueconic_bridge_browser_claims_ignored_total',
		help: 'Segments a browser reported for a signed-in session that BlueConic did not confirm (segments.source "verified").',
		registers: [registry],
	});
	return {
		cacheEvents: {
			onLookup: (outcome) => lookups.inc({ outcome }),
			onRequest: (call, outcome) => requests.inc({ call, outcome }),
		},
		ignoredBrowserClaims,
	};
}
