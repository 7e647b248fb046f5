import { z } from 'zod';
import { acceptedPropertyTypeNames, parsePropertyType } from '../blueconic/property-types.js';
import { parseAddressRange } from '../sessions/client-address.js';
import { defaultMaxBytes, maxBytesProblem } from '../store/memory-budget.js';
import { defaultBackoffPolicy, retryAfterWindowSeconds } from '../utils/backoff.js';

/**
 * The collector's configuration file, validated once at start-up; hot paths then trust it.
 * Objects are strict so a misspelt field is an error, not a silently ignored setting.
 */

const nonEmptyString = z.string().trim().min(1, 'must not be empty');

const httpOrigin = z.string().refine(isHttpOrigin, 'must be an https or http origin, like https://www.example.com');

const httpUrl = z
	.string()
	.refine((value) => /^https?:$/.test(safeUrl(value)?.protocol ?? ''), 'must be an absolute http or https URL');

const positiveInt = z.number().int('must be a whole number').positive('must be greater than 0');

/**
 * The reproduced product's settings screen takes the attribute mapping and the featured segments as JSON typed
 * into a text box, so a JSON string holding the value is accepted as well as the value itself.
 */
function jsonTextOr<T extends z.ZodType>(schema: T) {
	return z.preprocess((value) => {
		if (typeof value !== 'string') return value;
		try {
			return JSON.parse(value) as unknown;
		} catch {
			return value; // the schema then reports the wrong type
		}
	}, schema);
}

const httpValidation = z.strictObject({
	type: z.literal('http'),
	url: httpUrl,
	/** How long a valid answer is trusted. */
	cacheSeconds: z.number().int().min(0).default(60),
	/** How long an invalid answer is trusted; short, so a session that just became valid is not refused long. */
	invalidCacheSeconds: z.number().int().min(0).default(10),
	/** For the whole upstream exchange, body included. */
	timeoutMs: positiveInt.max(30_000).default(2_000),
	/** Bound on the cache of valid answers (each at most a key and three 256-character identity strings). */
	cacheMaxEntries: positiveInt.default(100_000),
	/** Bound on the cache of invalid answers, kept apart so that made-up cookies never evict a valid session. */
	invalidCacheMaxEntries: positiveInt.default(100_000),
	/**
	 * Upstream checks in flight at once. A flood of made-up cookies (each a cache miss) then costs the publisher's
	 * endpoint at most this many requests at a time; past it the collector answers 503 and the SDK retries.
	 */
	maxConcurrentChecks: positiveInt.default(100),
	/**
	 * Of those, what one client (an IPv4 address, an IPv6 /64) may hold, so one flooder cannot take them all.
	 * Behind a load balancer every request comes from its address: list it in `server.trustedProxies`.
	 */
	maxConcurrentChecksPerClient: positiveInt.default(10),
	/** Its place before it applied to the whole server: a file that still has it is told where it went. */
	trustedProxies: z
		.never({ error: 'has moved to server.trustedProxies, which every session type and the admin console now follow' })
		.optional(),
});

const signedValidation = z.strictObject({
	type: z.literal('signed'),
	secret: z.string().min(16, 'must be at least 16 characters'),
});

const memoryValidation = z.strictObject({
	type: z.literal('memory'),
	/** Lifetime of a session created in-process. */
	ttlSeconds: positiveInt.default(86_400),
});

const memoryStore = z.strictObject({ type: z.literal('memory') });

const redisStore = z.strictObject({
	type: z.literal('redis'),
	/** `redis://[user:password@]host:port[/db]` or `rediss://` (TLS); usually `"env:REDIS_URL"`. */
	url: z
		.string()
		.refine((value) => /^rediss?:$/.test(safeUrl(value)?.protocol ?? ''), 'must be a redis:// or rediss:// URL'),
	/** In front of every key and channel, so several deployments can share one Redis. */
	keyPrefix: z
		.string()
		.max(64, 'must be at most 64 characters')
		.refine((prefix) => !/[\s{}]/.test(prefix), 'must not contain white space or braces')
		.default('bcb:'),
});

/**
 * A site's host as requests name it: the `Host` header without its port. Lower-cased, since host names are
 * case-insensitive and the header is compared lower-cased. A scheme, port or path could never match a request, so
 * the collector would start and then answer every request `site_not_active`: refused here, showing the right form.
 */
const siteHost = nonEmptyString
	.superRefine((value, ctx) => {
		if (value === '' || isHostName(value.toLowerCase())) return; // empty: reported already
		// What was most likely meant (`https://WWW.Example.com:8080/x` → `www.example.com`), shown as the example.
		const meant = safeUrl(value.includes('://') ? value : `http://${value}`)?.hostname.replace(/\.$/, '');
		ctx.addIssue({
			code: 'custom',
			message:
				meant !== undefined && isHostName(meant)
					? `must be a host name like "${meant}" (no scheme, port or path)`
					: 'must be a host name like "www.example.com" (no scheme, port, path or wildcard)',
		});
	})
	.transform((host) => host.toLowerCase());

/** `serve` as a reverse proxy in front of the publisher's site, injecting the script tag into its pages. */
const proxy = z.strictObject({
	/** Where every request that is not the collector's goes, e.g. `http://origin.internal:8080` (no path). */
	origin: z
		.string()
		.refine((value) => {
			const url = safeUrl(value);
			return url !== undefined && /^https?:$/.test(url.protocol) && url.pathname === '/' && url.search === '' && url.hash === '';
		}, 'must be an http or https origin without a path, like http://origin.internal:8080')
		.transform((value) => new URL(value).origin),
	/** How long the origin may take to start its answer (the answer itself may then take as long as it needs). */
	timeoutMs: positiveInt.max(600_000).default(30_000),
});

const site = z.strictObject({
	host: siteHost,
	origins: z.array(httpOrigin).default([]),
	active: z.boolean().default(true),
});

const attributeMapping = z.strictObject({
	zephrAttributeId: nonEmptyString,
	blueconic: z.strictObject({
		profilePropertyId: nonEmptyString,
		type: z.string().transform((name, ctx) => {
			const type = parsePropertyType(name);
			if (type === undefined) {
				ctx.addIssue({ code: 'custom', message: `must be a BlueConic property type: ${acceptedPropertyTypeNames}` });
				return z.NEVER;
			}
			return type;
		}),
	}),
});

const blueconic = z
	.strictObject({
		baseUrl: httpUrl.transform(withoutTrailingSlashes),
		clientId: nonEmptyString.optional(),
		clientSecret: nonEmptyString.optional(),
		/** Zephr's settings screen calls the same credentials Consumer Key and Consumer Secret. */
		consumerKey: nonEmptyString.optional(),
		consumerSecret: nonEmptyString.optional(),
		scope: nonEmptyString.optional(),
		timeoutMs: positiveInt.max(120_000).default(10_000),
		/** How calls that BlueConic answers 429/503 (or not at all) are retried; see server/utils/backoff.ts. */
		retry: z
			.strictObject({
				maxAttempts: positiveInt.max(20).default(defaultBackoffPolicy.maxAttempts),
				baseDelayMs: positiveInt.default(defaultBackoffPolicy.baseDelayMs),
				maxDelayMs: positiveInt.default(defaultBackoffPolicy.maxDelayMs),
				/** A longer `Retry-After` is passed on to the sender (503) instead of waited for. */
				maxRetryAfterMs: positiveInt.default(defaultBackoffPolicy.maxRetryAfterMs),
			})
			.prefault({}),
	})
	.transform((value, ctx) => {
		const clientId = value.clientId ?? value.consumerKey;
		const clientSecret = value.clientSecret ?? value.consumerSecret;
		if (clientId === undefined) ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'is required (or consumerKey)' });
		if (clientSecret === undefined) {
			ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'is required (or consumerSecret)' });
		}
		if (clientId === undefined || clientSecret === undefined) return z.NEVER;
		const { baseUrl, scope, timeoutMs, retry } = value;
		return { baseUrl, clientId, clientSecret, scope, timeoutMs, retry };
	});

/** A duration in seconds, fractions allowed (tests use half a second). */
const positiveSeconds = z.number().positive('must be greater than 0');

/** The HTTP server `serve` and `listen()` run: bounds on connections and slow clients, and how a shutdown goes. */
const serverSettings = z
	.strictObject({
		/** Connections held at once; past it a new connection is closed as soon as it is accepted. */
		maxConnections: positiveInt.default(10_000),
		/** Time a client has to send its request headers: cuts a slowloris trickle. */
		headersTimeoutSeconds: positiveSeconds.max(300, 'must be at most 300').default(10),
		/** Time a client has to send its whole request, body included. */
		requestTimeoutSeconds: positiveSeconds.max(600, 'must be at most 600').default(15),
		/** How long an idle keep-alive connection is kept open. */
		keepAliveTimeoutSeconds: positiveSeconds.max(600, 'must be at most 600').default(5),
		/**
		 * After SIGTERM, how long the collector keeps serving (and accepting connections) while it reports not ready,
		 * so that a load balancer moves traffic away before the listener closes. 0: close at once.
		 */
		drainSeconds: z.number().min(0, 'must be 0 or more').max(3_600, 'must be at most 3600').default(0),
		/** Then, how long requests in flight get to finish; at its end BlueConic calls still waiting are aborted. */
		shutdownGraceSeconds: positiveSeconds.max(600, 'must be at most 600').default(10),
		/**
		 * Proxies (addresses or CIDR ranges) in front of the collector, such as its load balancer: only their
		 * `X-Forwarded-For` names the client (for the `http` session check's share per client and the console's
		 * sign-in throttle) and only their `X-Forwarded-Proto` says a request came over HTTPS. None by default.
		 */
		trustedProxies: z
			.array(z.string().refine((text) => parseAddressRange(text) !== undefined, 'must be an IP address or CIDR range, like 10.0.0.0/8'))
			.default([]),
	})
	.refine((settings) => settings.headersTimeoutSeconds <= settings.requestTimeoutSeconds, {
		path: ['headersTimeoutSeconds'],
		message: 'must not be longer than requestTimeoutSeconds',
	})
	.prefault({});

const blueconicSegments = z
	.strictObject({
		/** How long an email's BlueConic profile id is trusted; refreshed in the background before then. */
		profileTtlSeconds: positiveInt.max(86_400).default(3_600),
		/** How long "BlueConic has no profile for this email" is trusted; short, since profile sync may create one. */
		noProfileTtlSeconds: positiveInt.max(86_400).default(60),
		/** How long a profile's segments are trusted; refreshed in the background before then, served stale until twice it. */
		segmentsTtlSeconds: positiveInt.max(86_400).default(300),
		/** The longest a decision without its own `wait` (every backend `decide`) waits for BlueConic. */
		lookupWaitMs: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(3_000).default(500),
		/** Requests to BlueConic in flight at once, and started per second, from this process. */
		maxConcurrentRequests: positiveInt.max(1_000).default(8),
		requestsPerSecond: positiveInt.max(10_000).default(20),
		/** Bound on the profiles (and emails) whose segments are cached. */
		maxProfiles: positiveInt.default(100_000),
		/** Heap the two caches may hold in total, whatever BlueConic and the session check send. */
		maxBytes: positiveInt.max(Number.MAX_SAFE_INTEGER, 'must be a safe integer').default(64 * 1024 * 1024),
	})
	.prefault({});

const profileSyncQueue = z.strictObject({
	/**
	 * How a queued user is retried after a transient failure (5xx, network, timeout): attempts in all, then it is kept
	 * as failed (`blueconic-bridge queue failed`). 429s and answers with `Retry-After` pause the queue instead and use
	 * no attempt. Full-jitter exponential backoff from `baseDelayMs`, doubling up to `maxDelayMs`.
	 */
	retry: z
		.strictObject({
			maxAttempts: positiveInt.max(1_000).default(20),
			baseDelayMs: positiveInt.default(1_000),
			maxDelayMs: positiveInt.default(600_000),
		})
		.prefault({})
		.refine((retry) => retry.maxDelayMs >= retry.baseDelayMs, { message: 'must be at least baseDelayMs', path: ['maxDelayMs'] }),
	/** How long the worker waits for more users before it sends a batch that is not full (1000 users). */
	batchLingerMs: z.number().int().min(0).max(10_000).default(50),
	/** Batches one worker process sends at once. */
	batchesInFlight: positiveInt.max(16).default(2),
	/** A worker that stops renewing its hold on a batch (killed, hung) has it taken over after about this long. */
	stalledAfterSeconds: positiveInt.max(600).default(30),
});

export const configSchema = z.strictObject({
	session: z.strictObject({
		cookieName: z
			.string()
			.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a valid cookie name')
			.default('blaize_session'),
		validate: z.discriminatedUnion('type', [httpValidation, signedValidation, memoryValidation], {
			error: 'must be "http", "signed" or "memory"',
		}),
	}),
	server: serverSettings,
	/** Where segments, waits, limits and the profile-sync queue live: this process (default) or a shared Redis. */
	store: z
		.discriminatedUnion('type', [memoryStore, redisStore], { error: 'must be "memory" or "redis"' })
		.default({ type: 'memory' }),
	sites: z.union([z.literal('*'), z.array(site).min(1, 'must list at least one site, or be "*"')], {
		error: 'must be "*" or a list of sites',
	}),
	apiKeys: z.array(z.string().min(16, 'must be at least 16 characters')).default([]),
	/**
	 * Keys that sign in to the admin console at /plugins/blueconic/admin/; absent (the default): the console is off.
	 * Each must differ from every API key (checked below), so a backend's key never opens the console.
	 */
	adminKeys: z.array(z.string().min(16, 'must be at least 16 characters')).min(1, 'must list at least one key, or be left out').optional(),
	segments: z
		.strictObject({
			ttlSeconds: positiveInt.default(1_800),
			maxSessions: positiveInt.default(1_000_000),
			maxPerSession: positiveInt.max(10_000).default(200),
			maxIdLength: positiveInt.max(4_096).default(200),
			/** Reports one session may post per minute; a page posts once per change, so this is generous. */
			postsPerMinute: positiveInt.default(60),
			/**
			 * Heap the in-process store may hold, whatever clients send (see docs/collector.md, Memory); past it the
			 * least recently used sessions go first. It must hold the slots and ten of the largest reports.
			 */
			maxBytes: positiveInt.max(Number.MAX_SAFE_INTEGER, 'must be a safe integer').default(defaultMaxBytes),
			/**
			 * Whom a decision trusts (docs/trust.md): the browser's report (default), the browser and, until it has
			 * reported, BlueConic's REST API, or only what BlueConic confirms for a signed-in session.
			 */
			source: z
				.enum(['browser', 'browser+blueconic', 'verified'], 'must be "browser", "browser+blueconic" or "verified"')
				.default('browser'),
			/** Under `verified`, what decides for a session without an email: its browser report, or nothing (`unknown`). */
			anonymous: z.enum(['browser', 'unknown'], 'must be "browser" or "unknown"').default('browser'),
			/** How segments are read from BlueConic's REST API when `source` is not `browser`. */
			blueconic: blueconicSegments,
		})
		.superRefine((segments, ctx) => {
			// A limit that is itself invalid was reported already; the least maxBytes it implies would be noise.
			const { maxSessions, maxPerSession, maxIdLength, maxBytes } = segments;
			if (![maxSessions, maxPerSession, maxIdLength, maxBytes].every((limit) => Number.isSafeInteger(limit) && limit > 0)) return;
			const problem = maxBytesProblem(maxBytes, segments);
			if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['maxBytes'], message: problem });
		})
		.prefault({}),
	featuredSegments: jsonTextOr(z.record(nonEmptyString, nonEmptyString)).default({}),
	blueconic: blueconic.optional(),
	profileMapping: z
		.strictObject({
			emailPropertyId: nonEmptyString.default('email'),
			trackingIdPropertyId: nonEmptyString.optional(),
			attributes: jsonTextOr(z.array(attributeMapping)).default([]),
		})
		.optional(),
	profileSync: z
		.strictObject({
			/** A user attribute that must be `true` (or "true") before the profile is sent; without it nothing is sent. */
			consentAttribute: nonEmptyString.optional(),
			/** Passed to BlueConic as `objectiveIds`: it refuses profiles lacking these consented objectives. */
			objectiveIds: z.array(nonEmptyString).default([]),
			/** Users one webhook request may carry; a bigger batch is refused with 413. */
			maxUsersPerRequest: positiveInt.max(100_000).default(10_000),
			/**
			 * Floor of the `Retry-After` answered while BlueConic is failing, so senders do not retry in a tight loop;
			 * at most the 300 s every Retry-After we send is held to.
			 */
			minRetryAfterSeconds: z
				.number()
				.int('must be a whole number')
				.min(0, 'must be 0 or more')
				.max(retryAfterWindowSeconds.max, `must be at most ${retryAfterWindowSeconds.max}, the longest Retry-After the collector sends`)
				.default(30),
			/**
			 * With Redis: `serve` also runs the queue worker that pushes queued users to BlueConic. `false` when workers run
			 * on their own (`blueconic-bridge worker`). Without Redis there is no queue and this is not read.
			 */
			worker: z.boolean().default(true),
			/** The durable queue the webhook hands users to when `store` is Redis (see docs/queue.md). */
			queue: profileSyncQueue.prefault({}),
		})
		.prefault({}),
	proxy: proxy.optional(),
});

/**
 * The whole configuration, with the checks that span sections: reading segments from BlueConic needs its credentials.
 */
export const collectorConfigSchema = configSchema.superRefine((config, ctx) => {
	const apiKeys = new Set(config.apiKeys);
	for (const [index, adminKey] of (config.adminKeys ?? []).entries()) {
		if (apiKeys.has(adminKey)) {
			ctx.addIssue({ code: 'custom', path: ['adminKeys', index], message: 'must differ from every apiKeys entry: a backend key must not open the console' });
		}
	}
	if (config.segments.source !== 'browser' && config.blueconic === undefined) {
		ctx.addIssue({
			code: 'custom',
			path: ['segments', 'source'],
			message: `"${config.segments.source}" reads segments from BlueConic's REST API: it needs the "blueconic" section (baseUrl, clientId, clientSecret)`,
		});
	}
});

export type CollectorConfig = z.output<typeof configSchema>;
export type SegmentsSource = CollectorConfig['segments']['source'];
export type BlueConicSegmentsConfig = CollectorConfig['segments']['blueconic'];
/** The configuration as written in the file (before defaults and `env:` references are applied). */
export type CollectorConfigInput = z.input<typeof configSchema>;
export type StoreConfig = CollectorConfig['store'];
export type ServerConfig = CollectorConfig['server'];
export type SessionValidationConfig = CollectorConfig['session']['validate'];
export type SiteConfig = z.output<typeof site>;
export type BlueConicConfig = z.output<typeof blueconic>;
export type ProfileMappingConfig = NonNullable<CollectorConfig['profileMapping']>;
export type AttributeMapping = z.output<typeof attributeMapping>;
export type ProfileSyncConfig = CollectorConfig['profileSync'];
export type ProxyConfig = z.output<typeof proxy>;
export type ProfileSyncQueueConfig = ProfileSyncConfig['queue'];

function safeUrl(value: string): URL | undefined {
	try {
		return new URL(value);
	} catch {
		return undefined;
	}
}

/** `www.example.com`, `localhost`, `127.0.0.1` or `[::1]`, in lower case, and nothing else. */
function isHostName(host: string): boolean {
	// A trailing dot (`www.example.com.`) is a fully qualified name that browsers do not send in `Host`.
	const shaped = (/^[a-z0-9._-]+$/.test(host) && !host.endsWith('.')) || /^\[[0-9a-f:.]+\]$/.test(host);
	// The URL parser has the last word: it turns `127.1` into `127.0.0.1`, as browsers do before sending `Host`.
	return shaped && safeUrl(`http://${host}`)?.hostname === host;
}

function isHttpOrigin(value: string): boolean {
	const url = safeUrl(value);
	return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
}

/** `url` without its trailing slashes; a loop, as `/\/+$/` backtracks quadratically on a long run of slashes. */
function withoutTrailingSlashes(url: string): string {
	let end = url.length;
	while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
	return url.slice(0, end);
}
