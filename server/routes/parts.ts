import type { CollectorConfig } from '../config/schema.js';
import type { BlueConicSegments } from '../blueconic-segments/index.js';
import type { ApiKeys } from '../http/api-key.js';
import type { RateLimit } from '../http/rate-limit.js';
import type { Sites } from '../http/sites.js';
import type { Logger } from '../logger.js';
import type { RedisConnections } from '../redis/connections.js';
import type { CollectorMetrics } from '../metrics.js';
import type { SessionValidator } from '../sessions/session-validator.js';
import type { SegmentStore } from '../store/segment-store.js';

/** What the routes are built from; assembled once by `createCollector`. */
export interface CollectorParts {
	/**
	 * True once shutdown began: `/healthz` answers 503 and every answer closes its connection, so that keep-alive
	 * clients cannot hold the server open past its drain.
	 */
	isDraining: () => boolean;
	config: CollectorConfig;
	sites: Sites;
	sessions: SessionValidator;
	store: SegmentStore;
	/** The process's Redis connections when `store.type` is `redis`. */
	redis: RedisConnections | undefined;
	/** Segments from BlueConic's REST API, when `segments.source` is not `browser`. */
	blueconicSegments: BlueConicSegments | undefined;
	apiKeys: ApiKeys;
	reportRate: RateLimit;
	metrics: CollectorMetrics;
	logger: Logger;
}
