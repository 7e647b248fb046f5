import type { LiveSettings } from '../config/live-settings.js';
import type { BlueConicSegments } from '../blueconic-segments/index.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import type { Logger } from '../logger.js';
import type { RedisConnections } from '../redis/connections.js';
import type { CollectorMetrics } from '../metrics.js';
import type { Readiness } from '../readiness.js';
import type { SessionValidator } from '../sessions/session-validator.js';
import type { SegmentStore } from '../store/segment-store.js';

/** What the routes are built from; assembled once by `createCollector`. */
export interface CollectorParts {
	/**
	 * True once shutdown began: `/readyz` answers 503 and every answer closes its connection, so that keep-alive
	 * clients cannot hold the server open past its drain.
	 */
	isDraining: () => boolean;
	/**
	 * The configuration in force: read once per request, at its start (see `LiveSettings`). Parts built at start
	 * may keep what a reload cannot change (see docs/collector.md, Live configuration).
	 */
	settings: () => LiveSettings;
	sessions: SessionValidator;
	store: SegmentStore;
	/** The process's Redis connections when `store.type` is `redis`. */
	redis: RedisConnections | undefined;
	/** Segments from BlueConic's REST API, when `segments.source` is not `browser`. */
	blueconicSegments: BlueConicSegments | undefined;
	/** Reports per session and minute: in this process, or across instances when Redis is configured. */
	reportRate: RateLimiter;
	/** What `/readyz` checks; parts that need a connection (store, queue) add theirs. */
	readiness: Readiness;
	metrics: CollectorMetrics;
	logger: Logger;
}
