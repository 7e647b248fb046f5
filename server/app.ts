import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { createBlueConicSegments } from './blueconic-segments/index.js';
import type { LiveConfig } from './config/live-config.js';
import { createConfigBroadcast } from './config/config-broadcast.js';
import { watchConfigFile } from './config/config-watcher.js';
import { createLiveConfig } from './config/live-config-holder.js';
import { parseConfig } from './config/load.js';
import type { Redis } from 'ioredis';
import type { CollectorConfig, CollectorConfigInput } from './config/schema.js';
import { observe } from './http/observe.js';
import { RateLimit } from './http/rate-limit.js';
import type { RateLimiter } from './http/rate-limiter.js';
import { RedisRateLimit } from './http/redis-rate-limit.js';
import { OriginProxy } from './inject/origin-proxy.js';
import { createLogger, type Logger } from './logger.js';
import { type CollectorMetrics, createMetrics } from './metrics.js';
import { adminRoutes } from './admin/routes.js';
import { defaultAdminAssetsPath } from './admin/console-assets.js';
import { backendRoutes } from './routes/backend.js';
import { browserEndpoints } from './routes/browser.js';
import type { ProfileSync, ProfileSyncOptions } from './profile-sync/index.js';
import { LiveProfileSync } from './profile-sync/live-profile-sync.js';
import type { ProfileSyncQueue } from './profile-sync/queue/index.js';
import { opsRoutes } from './routes/ops.js';
import type { CollectorParts } from './routes/parts.js';
import { profileSyncRoutes } from './routes/profile-sync.js';
import { Readiness } from './readiness.js';
import { logConnectionChanges } from './redis/connection-log.js';
import { RedisConnections } from './redis/connections.js';
import { defaultSdkScriptPath, sdkRoutes } from './routes/sdk.js';
import { createSessionValidator } from './sessions/create-validator.js';
import { MemorySessions } from './sessions/memory.js';
import type { SessionValidator } from './sessions/session-validator.js';
import { MemorySegmentStore } from './store/memory-store.js';
import { RedisSegmentStore } from './store/redis-store.js';
import type { SegmentStore } from './store/segment-store.js';
import type { StoreOperation } from './store/redis-store.js';

export interface CollectorOptions {
	logger?: Logger;
	/** Replaces the store built from `config.store` and `config.segments`; its owner closes it, not `close()`. */
	store?: SegmentStore;
	/** Replaces the validator built from `config.session.validate`. */
	sessions?: SessionValidator;
	/** The script-tag build served at `/plugins/public/blueconic/sdk.js`; defaults to this package's build. */
	sdkScriptPath?: string;
	/** BlueConic client tuning for profile sync (tests shorten retries; a custom fetch). */
	blueconicClient?: ProfileSyncOptions['client'];
	/** A fetch (and clock) for segment reads from BlueConic's REST API (tests). */
	blueconicSegments?: { fetch?: typeof fetch; now?: () => number };
	/** The admin console's built UI (`index.html`, `assets/`); defaults to this package's dist/admin. */
	adminAssetsPath?: string;
	/**
	 * The file the configuration was read from (`serve --config`): watched, reloaded on `live.reload()`, written by
	 * console saves. Without it the configuration still changes live through `live.save()`, in memory only.
	 */
	configFile?: string;
	/** Whether changes to `configFile` are applied as they are written (default true). */
	watchConfigFile?: boolean;
	/** Resolves the configuration's `env:` references (default `process.env`). */
	env?: NodeJS.ProcessEnv;
}

/** The collector: a Koa app, mountable in an existing one, with what its owner needs to run and stop it. */
export interface Collector extends Koa {
	/** The validated configuration in force (it changes with `live`: read it when needed, do not keep it). */
	readonly config: CollectorConfig;
	/** The configuration in force and how to change it without a restart (see docs/collector.md, Live configuration). */
	live: LiveConfig;
	metrics: CollectorMetrics;
	store: SegmentStore;
	/** The in-process sessions when `session.validate.type` is `memory` (demo, tests). */
	memorySessions: MemorySessions | undefined;
	/** Profile sync, once a configuration in force had a `blueconic` section. */
	readonly profileSync: ProfileSync | undefined;
	/** What `/readyz` checks; add a check with `readiness.add(name, check)`. */
	readiness: Readiness;
	/** The durable profile-sync queue, with `blueconic` and a Redis `store` (its worker runs here unless `profileSync.worker` is false). */
	readonly profileSyncQueue: ProfileSyncQueue | undefined;
	/** Makes `/readyz` answer 503 so load balancers drain this instance; call at the start of a shutdown. */
	startDraining(): void;
	/**
	 * Aborts the work in flight that waits on others: profile sync's BlueConic requests and retry waits (their
	 * webhooks answer 503 with `Retry-After`), and the proxied answers still streaming from the origin (ended, see
	 * `OriginProxy.endStreams`). For a shutdown's deadline.
	 */
	abort(): void;
	/** Releases timers, waiters and connections; call after the HTTP server has stopped. */
	close(): Promise<void>;
}

/**
 * Builds the collector from a configuration (the JSON file's content, or an already validated one).
 * Throws `ConfigError` naming every invalid field.
 */
export function createCollector(configInput: CollectorConfigInput, options: CollectorOptions = {}): Collector {
	const config = parseConfig(configInput, options.env);
	const logger = options.logger ?? createLogger();
	const live = createLiveConfig({ source: configInput, config, file: options.configFile, env: options.env, logger });
	// One owner of every Redis connection this collector opens (store, waits, limits, queue); closed in close().
	const redis =
		config.store.type === 'redis' ? new RedisConnections({ url: config.store.url, keyPrefix: config.store.keyPrefix }) : undefined;
	const readiness = new Readiness();
	let draining = false;
	// Declared before the store so the store's callbacks can count into them; the gauges read the store when scraped.
	let store: SegmentStore;
	const inProcessStore = options.store === undefined ? redis === undefined : options.store instanceof MemorySegmentStore;
	const metrics = createMetrics({
		sessionsHeld: () => store.sessionCount(),
		ready: async () => !draining && (await readiness.report()).ready,
		...(inProcessStore ? { storeBytes: () => (store as MemorySegmentStore).bytesHeld() } : {}),
	});
	store =
		options.store ??
		createStore(config, redis, {
			onError: (operation) => metrics.storeErrors.inc({ operation }),
			onEvict: (reason) => metrics.sessionEvictions.inc({ reason }),
		});
	const sessions =
		options.sessions ??
		createSessionValidator(config, {
			onUpstreamCall: (outcome) => metrics.sessionValidations.inc({ outcome }),
			logger,
		});
	const blueconicSegments = createBlueConicSegments(config, { registry: metrics.registry, logger, ...options.blueconicSegments });
	const watcher =
		options.configFile !== undefined && options.watchConfigFile !== false
			? watchConfigFile(
					options.configFile,
					() => void live.reload('file').catch((error: unknown) => logger.error({ err: error }, 'the configuration reload failed')),
					{ logger },
				)
			: undefined;
	const broadcast =
		redis &&
		createConfigBroadcast(redis, {
			onConfig: (source) =>
				void live.applyFromReplica(source).catch((error: unknown) => {
					logger.error({ err: error }, 'a configuration saved by another replica could not be applied');
				}),
			logger,
		});
	live.setPublisher(broadcast);
	if (redis !== undefined) {
		logConnectionChanges(redis.commands, 'commands', logger);
		readiness.add('store', () => isReachable(redis.commands));
	}
	const parts: CollectorParts = {
		isDraining: () => draining,
		settings: live.current,
		sessions,
		store,
		redis,
		blueconicSegments,
		reportRate: createReportRate(config, redis, () => metrics.storeErrors.inc({ operation: 'rate_limit' })),
		readiness,
		metrics,
		logger,
	};

	const profileSync = new LiveProfileSync(config, {
		redis,
		registry: metrics.registry,
		readiness,
		logger,
		...(options.blueconicClient ? { client: options.blueconicClient } : {}),
	});
	// Two listeners, each guarded on its own by the holder: one failing to take a change does not keep it from the other.
	live.onApplied((next) => profileSync.apply(next.config));
	live.onApplied((next) => blueconicSegments?.reconfigure(next.config));

	// Proxy mode: requests off the collector's paths go to the publisher's origin (see `callback` below).
	const originProxy = config.proxy && new OriginProxy(config.proxy, { logger, registry: metrics.registry, isDraining: () => draining });

	const browser = browserEndpoints(parts);
	const router = new Router();
	backendRoutes(router, parts);
	profileSyncRoutes(router, parts, () => profileSync.profileSync);
	sdkRoutes(router, parts, options.sdkScriptPath ?? defaultSdkScriptPath());
	opsRoutes(router, parts);
	adminRoutes(router, parts, { live, profileSync: () => profileSync.profileSync, assetsPath: options.adminAssetsPath ?? defaultAdminAssetsPath() });

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
		const handle: typeof handleWithKoa = (req, res) =>
			browser.serve(req as IncomingMessage, res as ServerResponse) ?? handleWithKoa(req, res);
		return originProxy ? (originProxy.wrap(handle) as typeof handle) : handle;
	};

	const collector = Object.assign(app, {
		live,
		metrics,
		store,
		readiness,
		memorySessions: sessions instanceof MemorySessions ? sessions : undefined,
		startDraining() {
			draining = true;
		},
		abort() {
			profileSync.abort();
			// Event streams and long downloads have no end of their own: the deadline is theirs.
			originProxy?.endStreams();
		},
		async close() {
			draining = true;
			watcher?.close();
			broadcast?.close();
			await profileSync.close();
			blueconicSegments?.close();
			if (options.store === undefined) await store.close();
			await sessions.close?.();
			await redis?.close();
			originProxy?.close();
		},
	});
	return Object.defineProperties(collector, {
		config: { get: () => live.current().config, enumerable: true },
		profileSync: { get: () => profileSync.profileSync, enumerable: true },
		profileSyncQueue: { get: () => profileSync.queue, enumerable: true },
	}) as typeof collector & Pick<Collector, 'config' | 'profileSync' | 'profileSyncQueue'>;
}

/** Segments in this process (an LRU cache bounded by `segments.maxSessions`), or in the shared Redis. */
function createStore(
	config: CollectorConfig,
	redis: RedisConnections | undefined,
	{ onError, onEvict }: { onError: (operation: StoreOperation) => void; onEvict: (reason: 'bytes' | 'sessions') => void },
): SegmentStore {
	const { ttlSeconds, maxSessions, maxBytes, maxPerSession, maxIdLength } = config.segments;
	if (redis === undefined) return new MemorySegmentStore({ maxSessions, ttlSeconds, maxBytes, maxPerSession, maxIdLength, onEvict });
	return new RedisSegmentStore({ commands: redis.commands, subscriber: redis.subscriber(), keyPrefix: redis.keyPrefix, ttlSeconds, onError });
}

/** Reports per session and minute, counted in this process or, with Redis, across every instance. */
function createReportRate(config: CollectorConfig, redis: RedisConnections | undefined, onError: () => void): RateLimiter {
	const perMinute = config.segments.postsPerMinute;
	if (redis !== undefined) return new RedisRateLimit({ commands: redis.commands, keyPrefix: redis.keyPrefix, perMinute, onError });
	// Track as many sessions' windows as the store holds sessions, capped: windows live one minute. Windows have
	// one size (`windowBytes`), so the cap bounds their heap: at most 200,000 × 260 B, 52 MB.
	return new RateLimit(perMinute, Math.min(config.segments.maxSessions, 200_000));
}

/** Connected and answering PING (a connection can look open while Redis no longer answers). */
async function isReachable(connection: Redis): Promise<boolean> {
	if (connection.status !== 'ready') return false;
	return (await connection.ping()) === 'PONG';
}
