import { z } from 'zod';
import { acceptedPropertyTypeNames, parsePropertyType } from '../blueconic/property-types.js';
import { defaultBackoffPolicy } from '../utils/backoff.js';

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
	timeoutMs: positiveInt.max(30_000).default(2_000),
	/** Bound on the validation cache, so a flood of random cookies cannot grow memory without limit. */
	cacheMaxEntries: positiveInt.default(100_000),
	/**
	 * Upstream checks in flight at once. A flood of made-up cookies (each a cache miss) then costs the publisher's
	 * endpoint at most this many requests at a time; past it the collector answers 503 and the SDK retries.
	 */
	maxConcurrentChecks: positiveInt.default(100),
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

const site = z.strictObject({
	host: nonEmptyString.transform((host) => host.toLowerCase()),
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
		baseUrl: httpUrl.transform((url) => url.replace(/\/+$/, '')),
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
	/** Where segments, waits, limits and the profile-sync queue live: this process (default) or a shared Redis. */
	store: z
		.discriminatedUnion('type', [memoryStore, redisStore], { error: 'must be "memory" or "redis"' })
		.default({ type: 'memory' }),
	sites: z.union([z.literal('*'), z.array(site).min(1, 'must list at least one site, or be "*"')], {
		error: 'must be "*" or a list of sites',
	}),
	apiKeys: z.array(z.string().min(16, 'must be at least 16 characters')).default([]),
	segments: z
		.strictObject({
			ttlSeconds: positiveInt.default(1_800),
			maxSessions: positiveInt.default(1_000_000),
			maxPerSession: positiveInt.max(10_000).default(200),
			maxIdLength: positiveInt.max(4_096).default(200),
			/** Reports one session may post per minute; a page posts once per change, so this is generous. */
			postsPerMinute: positiveInt.default(60),
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
			/** Floor of the `Retry-After` answered while BlueConic is failing, so senders do not retry in a tight loop. */
			minRetryAfterSeconds: z.number().int().min(0).default(30),
			/**
			 * With Redis: `serve` also runs the queue worker that pushes queued users to BlueConic. `false` when workers run
			 * on their own (`blueconic-bridge worker`). Without Redis there is no queue and this is not read.
			 */
			worker: z.boolean().default(true),
			/** The durable queue the webhook hands users to when `store` is Redis (see docs/queue.md). */
			queue: profileSyncQueue.prefault({}),
		})
		.prefault({}),
});

export type CollectorConfig = z.output<typeof configSchema>;
/** The configuration as written in the file (before defaults and `env:` references are applied). */
export type CollectorConfigInput = z.input<typeof configSchema>;
export type StoreConfig = CollectorConfig['store'];
export type SessionValidationConfig = CollectorConfig['session']['validate'];
export type SiteConfig = z.output<typeof site>;
export type BlueConicConfig = z.output<typeof blueconic>;
export type ProfileMappingConfig = NonNullable<CollectorConfig['profileMapping']>;
export type AttributeMapping = z.output<typeof attributeMapping>;
export type ProfileSyncConfig = CollectorConfig['profileSync'];
export type ProfileSyncQueueConfig = ProfileSyncConfig['queue'];

function safeUrl(value: string): URL | undefined {
	try {
		return new URL(value);
	} catch {
		return undefined;
	}
}

function isHttpOrigin(value: string): boolean {
	const url = safeUrl(value);
	return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
}
