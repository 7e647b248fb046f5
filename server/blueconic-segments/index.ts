import { isDeepStrictEqual } from 'node:util';
import type { Registry } from 'prom-client';
import type { LogSink } from '../blueconic/log-sink.js';
import { type AccessTokenSource, createTokenProvider } from '../blueconic/token-provider.js';
import type { BlueConicConfig, CollectorConfig } from '../config/schema.js';
import { resolveBackoffPolicy } from '../utils/backoff.js';
import { createBlueConicSegmentsMetrics } from './metrics.js';
import { createProfileReader, type ProfileReader } from './profile-reader.js';
import { RequestGate } from './request-gate.js';
import { type BlueConicAnswer, SegmentCache } from './segment-cache.js';

export { decideWithSource, type DecisionSource, type SourcedDecision } from './decide-with-source.js';
export type { BlueConicAnswer } from './segment-cache.js';

/** Segments read from BlueConic's REST API for signed-in sessions (`segments.source` other than `browser`). */
export interface BlueConicSegments {
	lookup(email: string, budgetMs: number): Promise<BlueConicAnswer>;
	/** Counts browser claims a `verified` decision ignored, and logs them (never the session or the email). */
	ignoredClaims(count: number): void;
	/**
	 * Takes a live change of `blueconic` or `profileMapping`: the next read uses the new credentials and email
	 * property. The token is fetched again only when the credentials changed; cached segments are kept.
	 */
	reconfigure(config: CollectorConfig): void;
	close(): void;
}

export interface BlueConicSegmentsOptions {
	readonly registry: Registry;
	readonly logger: LogSink;
	readonly fetch?: typeof fetch;
	readonly now?: () => number;
}

// Lookups queued behind the concurrency and rate bounds; past it a lookup is refused and its decision falls back.
const maxQueuedRequests = 1_000;

/** Builds the reader, gate and caches, or `undefined` when decisions trust the browser only. */
export function createBlueConicSegments(config: CollectorConfig, options: BlueConicSegmentsOptions): BlueConicSegments | undefined {
	if (config.segments.source === 'browser') return undefined;
	const credentials = config.blueconic;
	// The schema refuses another source without a `blueconic` section; this guards callers that skip it.
	if (credentials === undefined) throw new TypeError(`segments.source "${config.segments.source}" needs the blueconic section`);
	if (config.segments.source === 'verified' && config.session.validate.type === 'signed') {
		// Signed sessions carry no email: every session is decided as anonymous, so `verified` checks nothing.
		options.logger.warn(
			{ source: 'verified', sessionValidation: 'signed' },
			'segments.source "verified" protects nothing with session.validate.type "signed": its sessions carry no email, so every decision trusts segments.anonymous',
		);
	}
	const settings = config.segments.blueconic;
	const now = options.now ?? Date.now;
	const fetchFn = options.fetch ?? globalThis.fetch;
	const metrics = createBlueConicSegmentsMetrics(options.registry);
	// Its own token: a token request is retried briefly (a decision's budget bounds how long anyone waits for it).
	const tokensFor = (blueconic: BlueConicConfig) =>
		createTokenProvider({
			config: blueconic,
			policy: resolveBackoffPolicy({ maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 500, maxRetryAfterMs: 1_000 }),
			refreshMarginMs: 60_000,
			fetch: fetchFn,
			now,
			events: {},
			logger: options.logger,
		});
	const readerFor = (blueconic: BlueConicConfig, tokens: AccessTokenSource, emailPropertyId: string) =>
		createProfileReader({
			baseUrl: blueconic.baseUrl,
			emailPropertyId,
			timeoutMs: Math.min(blueconic.timeoutMs, 5_000),
			tokens,
			fetch: fetchFn,
			now,
			maxSegments: config.segments.maxPerSession,
			maxIdLength: config.segments.maxIdLength,
		});
	let inForce = { credentials: tokenCredentials(credentials), emailPropertyId: emailPropertyOf(config) };
	let tokens = tokensFor(credentials);
	let reader = readerFor(credentials, tokens, inForce.emailPropertyId);
	// The cache keeps one reader for its life; each read goes to the reader in force when it starts.
	const currentReader: ProfileReader = {
		findProfileId: (email) => reader.findProfileId(email),
		readSegmentIds: (profileId) => reader.readSegmentIds(profileId),
	};
	const gate = new RequestGate({
		maxConcurrent: settings.maxConcurrentRequests,
		perSecond: settings.requestsPerSecond,
		maxQueued: maxQueuedRequests,
		now,
	});
	const cache = new SegmentCache({
		config: settings,
		reader: currentReader,
		gate,
		now,
		events: metrics.cacheEvents,
		logger: options.logger,
	});
	return {
		lookup: (email, budgetMs) => cache.lookup(email, budgetMs),
		ignoredClaims(count) {
			metrics.ignoredBrowserClaims.inc(count);
			options.logger.info({ segments: count }, 'ignored browser segment claims that BlueConic does not confirm');
		},
		reconfigure(next) {
			// The schema refuses a source other than `browser` without credentials, and `segments` needs a restart.
			if (next.blueconic === undefined) return;
			const wanted = { credentials: tokenCredentials(next.blueconic), emailPropertyId: emailPropertyOf(next) };
			if (isDeepStrictEqual(wanted, inForce)) return;
			if (!isDeepStrictEqual(wanted.credentials, inForce.credentials)) tokens = tokensFor(next.blueconic);
			reader = readerFor(next.blueconic, tokens, wanted.emailPropertyId);
			inForce = wanted;
		},
		close: () => gate.close(),
	};
}

/** What a token depends on: a change of anything else (retry tuning) keeps the cached token. */
function tokenCredentials({ baseUrl, clientId, clientSecret, scope, timeoutMs }: BlueConicConfig) {
	return { baseUrl, clientId, clientSecret, scope, timeoutMs };
}

function emailPropertyOf(config: CollectorConfig): string {
	return config.profileMapping?.emailPropertyId ?? 'email';
}
