import { LRUCache } from 'lru-cache';
import type { LogSink } from '../blueconic/log-sink.js';
import type { BlueConicSegmentsConfig } from '../config/schema.js';
import type { ProfileReader, ReadOutcome } from './profile-reader.js';
import type { GateRefusal, RequestGate } from './request-gate.js';

/** What BlueConic says about an email's segments, as far as the collector can tell within a decision's time. */
export type BlueConicAnswer =
	| { readonly status: 'segments'; readonly segmentIds: ReadonlySet<string> }
	/** BlueConic has no profile with this email: it confirms no segment. */
	| { readonly status: 'no_profile' }
	| { readonly status: 'unavailable'; readonly reason: UnavailableCause };

export type UnavailableCause = 'timed_out' | 'failed' | GateRefusal;

/** How a lookup was answered: from a fresh or a stale cache entry, after a fetch, or not. Counted in metrics. */
export type LookupOutcome = 'cached' | 'stale' | 'fetched' | 'no_profile' | 'unavailable' | 'timed_out';

export type RequestCall = 'profile_search' | 'profile_segments';
export type RequestOutcome = 'ok' | 'not_found' | 'busy' | 'failed' | GateRefusal;

export interface SegmentCacheEvents {
	onLookup?(outcome: LookupOutcome): void;
	onRequest?(call: RequestCall, outcome: RequestOutcome): void;
}

export interface SegmentCacheOptions {
	readonly config: BlueConicSegmentsConfig;
	readonly reader: ProfileReader;
	readonly gate: RequestGate;
	readonly now: () => number;
	readonly events?: SegmentCacheEvents;
	readonly logger: LogSink;
}

interface ProfileIdEntry {
	/** `null`: BlueConic has no profile with this email (kept for the shorter `noProfileTtlSeconds`). */
	readonly profileId: string | null;
	readonly fetchedAt: number;
}

interface SegmentsEntry {
	readonly segmentIds: ReadonlySet<string>;
	readonly fetchedAt: number;
}

type Unavailable = { readonly status: 'unavailable'; readonly reason: UnavailableCause };

// Past this share of its TTL an entry is still served and refreshed in the background, so that a busy profile's
// entry is replaced before it goes stale and its decisions never wait for BlueConic.
const refreshAheadShare = 0.8;
// After a 429/503 without a usable Retry-After.
const defaultCoolOffMs = 5_000;
// Per-entry overhead, for the byte bound: the LRU's node, the entry object, the key string's header.
const entryOverheadBytes = 200;

/**
 * Email → BlueConic profile id, and profile id → segment ids, each with its own TTL. Stale-while-revalidate: an
 * entry is refreshed in the background once 80% of its TTL has passed and served (stale) until twice its TTL,
 * so a BlueConic outage shorter than a TTL is invisible to decisions. One request in flight per email and per
 * profile however many decisions ask. Both caches are bounded in entries and in bytes.
 */
export class SegmentCache {
	readonly #options: SegmentCacheOptions;
	readonly #profileIds: LRUCache<string, ProfileIdEntry>;
	readonly #segments: LRUCache<string, SegmentsEntry>;
	readonly #profileIdsInFlight = new Map<string, Promise<string | null | Unavailable>>();
	readonly #segmentsInFlight = new Map<string, Promise<SegmentsEntry | null | Unavailable>>();

	constructor(options: SegmentCacheOptions) {
		this.#options = options;
		const { maxProfiles, maxBytes } = options.config;
		this.#profileIds = new LRUCache({
			max: maxProfiles,
			maxSize: Math.max(1, Math.floor(maxBytes / 2)),
			sizeCalculation: (entry, email) => entryOverheadBytes + 2 * (email.length + (entry.profileId?.length ?? 0)),
		});
		this.#segments = new LRUCache({
			max: maxProfiles,
			maxSize: Math.max(1, Math.floor(maxBytes / 2)),
			sizeCalculation: (entry, profileId) => {
				let bytes = entryOverheadBytes + 2 * profileId.length;
				for (const id of entry.segmentIds) bytes += 64 + 2 * id.length; // a Set slot and the string
				return bytes;
			},
		});
	}

	/**
	 * BlueConic's answer for `email`, within `budgetMs`; work still running then goes on and fills the cache.
	 * Each lookup is counted once, by how its decision was answered: a timed-out one is not counted again later.
	 */
	lookup(email: string, budgetMs: number): Promise<BlueConicAnswer> {
		let counted = false;
		const count = (outcome: LookupOutcome): void => {
			if (counted) return;
			counted = true;
			this.#options.events?.onLookup?.(outcome);
		};
		const answer = this.#answer(email).then(({ answer, outcome }) => {
			count(outcome);
			return answer;
		});
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<BlueConicAnswer>((resolve) => {
			timer = setTimeout(() => {
				count('timed_out');
				resolve({ status: 'unavailable', reason: 'timed_out' });
			}, budgetMs);
		});
		return Promise.race([answer, timedOut]).finally(() => clearTimeout(timer));
	}

	async #answer(email: string): Promise<{ answer: BlueConicAnswer; outcome: LookupOutcome }> {
		const { config, now } = this.#options;
		let fetched = false;
		let stale = false;
		let profileId: string | null | Unavailable;
		const idEntry = this.#profileIds.get(email);
		if (idEntry !== undefined && isUsable(idEntry, now(), idEntry.profileId === null ? config.noProfileTtlSeconds : config.profileTtlSeconds)) {
			profileId = idEntry.profileId;
			if (idEntry.profileId !== null) {
				const age = now() - idEntry.fetchedAt;
				stale = age >= config.profileTtlSeconds * 1000;
				if (age >= refreshAheadShare * config.profileTtlSeconds * 1000) void this.#refreshProfileId(email);
			}
		} else {
			fetched = true;
			profileId = await this.#refreshProfileId(email);
		}
		if (profileId === null) return { answer: { status: 'no_profile' }, outcome: 'no_profile' };
		if (typeof profileId !== 'string') return { answer: profileId, outcome: 'unavailable' };

		let segments: SegmentsEntry | null | Unavailable;
		const segmentsEntry = this.#segments.get(profileId);
		if (segmentsEntry !== undefined && isUsable(segmentsEntry, now(), config.segmentsTtlSeconds)) {
			segments = segmentsEntry;
			const age = now() - segmentsEntry.fetchedAt;
			stale ||= age >= config.segmentsTtlSeconds * 1000;
			if (age >= refreshAheadShare * config.segmentsTtlSeconds * 1000) void this.#refreshSegments(profileId, email);
		} else {
			fetched = true;
			segments = await this.#refreshSegments(profileId, email);
		}
		if (segments === null) return { answer: { status: 'no_profile' }, outcome: 'no_profile' };
		if ('status' in segments) return { answer: segments, outcome: 'unavailable' };
		return { answer: { status: 'segments', segmentIds: segments.segmentIds }, outcome: fetched ? 'fetched' : stale ? 'stale' : 'cached' };
	}

	/** The profile id BlueConic holds for `email` now (`null`: none), cached; one search per email at a time. */
	#refreshProfileId(email: string): Promise<string | null | Unavailable> {
		return singleFlight(this.#profileIdsInFlight, email, async () => {
			const outcome = await this.#send('profile_search', () => this.#options.reader.findProfileId(email));
			const { config, now } = this.#options;
			if (outcome.status === 'ok') {
				this.#profileIds.set(email, { profileId: outcome.value, fetchedAt: now() }, { ttl: 2 * config.profileTtlSeconds * 1000 });
				return outcome.value;
			}
			if (outcome.status === 'not_found') {
				this.#profileIds.set(email, { profileId: null, fetchedAt: now() }, { ttl: config.noProfileTtlSeconds * 1000 });
				return null;
			}
			return outcome;
		});
	}

	/** The profile's segments now (`null`: the profile is gone), cached; one read per profile at a time. */
	#refreshSegments(profileId: string, email: string): Promise<SegmentsEntry | null | Unavailable> {
		return singleFlight(this.#segmentsInFlight, profileId, async () => {
			const outcome = await this.#send('profile_segments', () => this.#options.reader.readSegmentIds(profileId));
			const { config, now } = this.#options;
			if (outcome.status === 'ok') {
				const entry: SegmentsEntry = { segmentIds: new Set(outcome.value), fetchedAt: now() };
				this.#segments.set(profileId, entry, { ttl: 2 * config.segmentsTtlSeconds * 1000 });
				return entry;
			}
			if (outcome.status === 'not_found') {
				// Merged or deleted in BlueConic: the email is searched again on its next lookup.
				this.#segments.delete(profileId);
				if (this.#profileIds.get(email)?.profileId === profileId) this.#profileIds.delete(email);
				return null;
			}
			return outcome;
		});
	}

	/** One request through the gate, its outcome counted; failures become `unavailable`. */
	async #send<T>(call: RequestCall, request: () => Promise<ReadOutcome<T>>): Promise<{ status: 'ok'; value: T } | { status: 'not_found' } | Unavailable> {
		let outcome: ReadOutcome<T>;
		try {
			const passed = await this.#options.gate.run(request);
			if (passed.status === 'refused') {
				this.#options.events?.onRequest?.(call, passed.reason);
				return { status: 'unavailable', reason: passed.reason };
			}
			outcome = passed.value;
		} catch (error) {
			outcome = { status: 'failed', reason: (error as Error).message };
		}
		this.#options.events?.onRequest?.(call, outcome.status);
		if (outcome.status === 'busy') {
			const coolOffMs = outcome.retryAfterMs ?? defaultCoolOffMs;
			this.#options.gate.coolOff(coolOffMs);
			this.#options.logger.warn({ call, coolOffMs }, 'BlueConic asked us to slow down; no segment reads until the wait is over');
			return { status: 'unavailable', reason: 'failed' };
		}
		if (outcome.status === 'failed') {
			this.#options.logger.warn({ call, reason: outcome.reason }, 'a BlueConic segment read failed');
			return { status: 'unavailable', reason: 'failed' };
		}
		return outcome;
	}
}

/** Within twice its TTL (the LRU drops it after that, but its clock may lag by the TTL resolution). */
function isUsable(entry: { fetchedAt: number }, now: number, ttlSeconds: number): boolean {
	return now - entry.fetchedAt < 2 * ttlSeconds * 1000;
}

function singleFlight<T>(inFlight: Map<string, Promise<T>>, key: string, run: () => Promise<T>): Promise<T> {
	let pending = inFlight.get(key);
	if (pending === undefined) {
		pending = run().finally(() => inFlight.delete(key));
		inFlight.set(key, pending);
	}
	return pending;
}
