import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { parseConfig } from './config/load.js';
import type { CollectorConfigInput } from './config/schema.js';
import { ApiKeys } from './http/api-key.js';
import { observe } from './http/observe.js';
import { RateLimit } from './http/rate-limit.js';
import { Sites } from './http/sites.js';
import { createLogger, type Logger } from './logger.js';
import { type CollectorMetrics, createMetrics } from './metrics.js';
import { backendRoutes } from './routes/backend.js';
import { browserEndpoints } from './routes/browser.js';
import { createProfileSync, type ProfileSync, type ProfileSyncOptions } from './profile-sync/index.js';
import { createProfileSyncQueue, type ProfileSyncQueue } from './profile-sync/queue/index.js';
import { opsRoutes } from './routes/ops.js';
import type { CollectorParts } from './routes/parts.js';
import { profileSyncRoutes } from './routes/profile-sync.js';
import { RedisConnections } from './redis/connections.js';
import { defaultSdkScriptPath, sdkRoutes } from './routes/sdk.js';
import { createSessionValidator } from './sessions/create-validator.js';
import { MemorySessions } from './sessions/memory.js';
import type { SessionValidator } from './sessions/session-validator.js';
import { MemorySegmentStore } from './store/memory-store.js';
import type { SegmentStore } from './store/segment-store.js';

export interface CollectorOptions {
	logger?: Logger;
	/** Replaces the store built from `config.segments` (e.g. a Redis-backed one shared by several instances). */
	store?: SegmentStore;
	/** Replaces the validator built from `config.session.validate`. */
	sessions?: SessionValidator;
	/** The script-tag build served at `/plugins/public/blueconic/sdk.js`; defaults to this package's build. */
	sdkScriptPath?: string;
	/** BlueConic client tuning for profile sync (tests shorten retries; a custom fetch). */
	blueconicClient?: ProfileSyncOptions['client'];
}

/** The collector: a Koa app, mountable in an existing one, with what its owner needs to run and stop it. */
export interface Collector extends Koa {
	metrics: CollectorMetrics;
	store: SegmentStore;
	/** The in-process sessions when `session.validate.type` is `memory` (demo, tests). */
	memorySessions: MemorySessions | undefined;
	/** Profile sync, when the configuration has a `blueconic` section. */
	profileSync: ProfileSync | undefined;
	/** The durable profile-sync queue, with `blueconic` and a Redis `store` (its worker runs here unless `profileSync.worker` is false). */
	profileSyncQueue: ProfileSyncQueue | undefined;
	/** Makes `/healthz` answer 503 so load balancers drain this instance; call at the start of a shutdown. */
	startDraining(): void;
	/** Releases timers, waiters and connections; call after the HTTP server has stopped. */
	close(): Promise<void>;
}

/**
 * Builds the collector from a configuration (the JSON file's content, or an already validated one).
 * Throws `ConfigError` naming every invalid field.
 */
export function createCollector(configInput: CollectorConfigInput, options: CollectorOptions = {}): Collector {
	const config = parseConfig(configInput);
	const logger = options.logger ?? createLogger();
	// One owner of every Redis connection this collector opens (store, waits, limits, queue); closed in close().
	const redis =
		config.store.type === 'redis' ? new RedisConnections({ url: config.store.url, keyPrefix: config.store.keyPrefix }) : undefined;
	const store =
		options.store ?? new MemorySegmentStore({ maxSessions: config.segments.maxSessions, ttlSeconds: config.segments.ttlSeconds });
	const metrics = createMetrics(() => store.sessionCount());
	const sessions =
		options.sessions ??
		createSessionValidator(config.session, (outcome) => metrics.sessionValidations.inc({ outcome }));
	let draining = false;
	const parts: CollectorParts = {
		isDraining: () => draining,
		config,
		sites: new Sites(config.sites),
		sessions,
		store,
		redis,
		apiKeys: new ApiKeys(config.apiKeys),
		// Track as many sessions' windows as the store holds sessions, capped: windows live one minute.
		reportRate: new RateLimit(config.segments.postsPerMinute, Math.min(config.segments.maxSessions, 200_000)),
		metrics,
		logger,
	};

	const profileSyncQueue =
		config.blueconic && redis
			? createProfileSyncQueue({
					redis,
					blueconic: config.blueconic,
					profileMapping: config.profileMapping,
					profileSync: config.profileSync,
					runWorker: config.profileSync.worker,
					registry: metrics.registry,
					logger,
					...(options.blueconicClient ? { client: options.blueconicClient } : {}),
				})
			: undefined;
	const profileSync =
		config.blueconic &&
		createProfileSync({
			blueconic: config.blueconic,
			profileMapping: config.profileMapping,
			profileSync: config.profileSync,
			registry: metrics.registry,
			logger,
			...(options.blueconicClient ? { client: options.blueconicClient } : {}),
			queue: profileSyncQueue,
		});

	const browser = browserEndpoints(parts);
	const router = new Router();
	backendRoutes(router, parts);
	profileSyncRoutes(router, parts, profileSync);
	sdkRoutes(router, parts, options.sdkScriptPath ?? defaultSdkScriptPath());
	opsRoutes(router, parts);

	const app = new Koa();
	app.silent = true; // errors are answered and logged by `observe`
	// Mounted in another Koa app, requests arrive here; see `callback` below for the direct path.
	app.use((ctx, next) => {
		const serving = browser.serve(ctx.req, ctx.res);
		if (serving === undefined) return next();
		ctx.respond = false;
		return serving;
	});
	app.use(observe(parts));
	app.use(router.routes());
	// Sets 405 (with Allow) or 501; `observe` gives those answers the contract's JSON error body.
	app.use(router.allowedMethods());

	// Served on its own (`listen`, `http.createServer(collector.callback())`), browser endpoints skip Koa entirely.
	const koaCallback = app.callback.bind(app);
	app.callback = () => {
		const handleWithKoa = koaCallback();
		// The http2 compatibility API has the request and response members the browser endpoints use.
		return (req, res) => browser.serve(req as IncomingMessage, res as ServerResponse) ?? handleWithKoa(req, res);
	};

	return Object.assign(app, {
		metrics,
		store,
		memorySessions: sessions instanceof MemorySessions ? sessions : undefined,
		profileSync,
		profileSyncQueue,
		startDraining() {
			draining = true;
		},
		async close() {
			draining = true;
			await profileSync?.close();
			await profileSyncQueue?.close();
			await store.close();
			await sessions.close?.();
			await redis?.close();
		},
	});
}
