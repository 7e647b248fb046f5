import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import { sessionKeyOf } from '../store/session-key.js';
import { type AccountAnswer, askAccountEndpoint } from './account-endpoint.js';
import { ClientAddresses } from './client-address.js';
import type { SessionCheck, SessionClient, SessionIdentity, SessionValidator } from './session-validator.js';

export interface HttpSessionsOptions {
	/** The publisher's account endpoint, e.g. Zephr's `https://publisher.example.com/blaize/account`. */
	url: string;
	cookieName: string;
	cacheSeconds: number;
	invalidCacheSeconds: number;
	timeoutMs: number;
	/** Valid answers cached at most. */
	cacheMaxEntries: number;
	/** Invalid answers cached at most, in a cache of their own: made-up cookies never evict a valid session. */
	invalidCacheMaxEntries?: number;
	/** Upstream checks in flight at once; past it a check answers `unavailable` without asking. */
	maxConcurrentChecks: number;
	/**
	 * Upstream checks one client (an IPv4 address, an IPv6 /64) may have in flight at once, so that one flooder
	 * cannot take every slot; capped at `maxConcurrentChecks`. Checks that name no client only count toward the
	 * total. Default: `maxConcurrentChecks` (no per-client share).
	 */
	maxConcurrentChecksPerClient?: number;
	/** Proxies whose `X-Forwarded-For` names the client (addresses or CIDR ranges); default none. */
	trustedProxies?: readonly string[];
	/** Told about each upstream call, for metrics. */
	onUpstreamCall?: (outcome: UpstreamOutcome) => void;
	/** Told why each check that could not be made failed (once per upstream call, not per waiting request). */
	logger?: Pick<Logger, 'warn'>;
	fetch?: typeof globalThis.fetch;
}

/** `busy`: not asked, because `maxConcurrentChecks` (or the client's share of them) were in flight. */
export type UpstreamOutcome = 'valid' | 'invalid' | 'error' | 'busy';

/**
 * What upstream said, without the session id: the caller's cookie value is a slice of its request's `Cookie`
 * header, and a cached answer holding it would keep the whole header alive for as long as it is cached.
 */
type UpstreamAnswer =
	| { status: 'valid'; identity?: SessionIdentity }
	| Extract<SessionCheck, { status: 'invalid' | 'unavailable' }>;

function checkOf(cookieValue: string, answer: UpstreamAnswer): SessionCheck {
	if (answer.status !== 'valid') return answer;
	return answer.identity === undefined
		? { status: 'valid', sessionId: cookieValue }
		: { status: 'valid', sessionId: cookieValue, identity: answer.identity };
}

const invalidAnswer = Object.freeze({ status: 'invalid', reason: 'unknown' } as const);
// Refusals for lack of slots come in floods; they are logged at most this often, with a count.
const busyLogIntervalMs = 10_000;

/**
 * Asks the publisher's backend whether a session cookie is live, by forwarding it (see `askAccountEndpoint` for
 * what counts as valid); whatever it cannot tell answers `unavailable`, never valid.
 *
 * Memory is bounded whatever clients send: valid answers (a 43-character key and an identity of at most three
 * 256-character strings) at most `cacheMaxEntries`; invalid ones (a key and a shared answer) at most
 * `invalidCacheMaxEntries`, in their own cache; checks in flight at most `maxConcurrentChecks`, each holding one
 * request's cookie for at most `timeoutMs`. Concurrent checks of one session share one upstream call, so a page
 * firing several requests at once costs the publisher one lookup.
 */
export class HttpSessions implements SessionValidator {
	readonly #options: HttpSessionsOptions;
	readonly #url: string;
	/** The URL as logged: without query string or credentials. */
	readonly #loggedUrl: string;
	readonly #perClient: number;
	readonly #clients: ClientAddresses;
	readonly #valid: LRUCache<string, Extract<UpstreamAnswer, { status: 'valid' }>>;
	readonly #invalid: LRUCache<string, typeof invalidAnswer>;
	readonly #inFlight = new Map<string, Promise<UpstreamAnswer>>();
	/** Upstream calls in flight by client key; only clients with at least one are present. */
	readonly #inFlightByClient = new Map<string, number>();
	#refusedSinceLog = 0;
	#busyLoggedAt = Number.NEGATIVE_INFINITY;

	constructor(options: HttpSessionsOptions) {
		this.#options = options;
		this.#url = options.url;
		const url = new URL(options.url);
		this.#loggedUrl = `${url.origin}${url.pathname}`;
		this.#perClient = Math.min(options.maxConcurrentChecksPerClient ?? options.maxConcurrentChecks, options.maxConcurrentChecks);
		this.#clients = new ClientAddresses(options.trustedProxies);
		this.#valid = new LRUCache({ max: options.cacheMaxEntries, ttlResolution: 0 });
		this.#invalid = new LRUCache({ max: options.invalidCacheMaxEntries ?? options.cacheMaxEntries, ttlResolution: 0 });
	}

	/** From the caches, a plain answer; otherwise a promise of upstream's (shared with concurrent checks). */
	validate(cookieValue: string, client?: SessionClient): SessionCheck | Promise<SessionCheck> {
		const key = sessionKeyOf(cookieValue);
		const answer = this.#valid.get(key) ?? this.#invalid.get(key) ?? this.#askShared(key, cookieValue, client);
		return answer instanceof Promise ? answer.then((asked) => checkOf(cookieValue, asked)) : checkOf(cookieValue, answer);
	}

	/** A valid answer is reused for as long as it stays in the cache of valid answers (`cacheSeconds`). */
	reusableUntil(cookieValue: string): number | undefined {
		const remainingMs = this.#valid.getRemainingTTL(sessionKeyOf(cookieValue));
		return remainingMs > 0 && Number.isFinite(remainingMs) ? Date.now() + remainingMs : undefined;
	}

	/** One upstream call per session at a time, at most `maxConcurrentChecks` in all and the client's share each. */
	#askShared(key: string, cookieValue: string, client: SessionClient | undefined): Promise<UpstreamAnswer> | UpstreamAnswer {
		const pending = this.#inFlight.get(key);
		if (pending !== undefined) return pending;
		const clientKey = this.#clients.keyOf(client);
		const clientInFlight = clientKey === undefined ? 0 : (this.#inFlightByClient.get(clientKey) ?? 0);
		if (this.#inFlight.size >= this.#options.maxConcurrentChecks || clientInFlight >= this.#perClient) {
			return this.#refuseBusy(clientInFlight >= this.#perClient);
		}
		if (clientKey !== undefined) this.#inFlightByClient.set(clientKey, clientInFlight + 1);
		const asked = this.#askUpstream(cookieValue)
			.then(
				(answer) => {
					this.#remember(key, answer);
					return answer;
				},
				// #askUpstream turns every failure into an answer; this only guards the clean-up below.
				(): UpstreamAnswer => ({ status: 'unavailable', reason: 'session check failed' }),
			)
			.finally(() => {
				this.#inFlight.delete(key);
				if (clientKey !== undefined) this.#release(clientKey);
			});
		this.#inFlight.set(key, asked);
		return asked;
	}

	#release(clientKey: string): void {
		const left = (this.#inFlightByClient.get(clientKey) ?? 1) - 1;
		if (left > 0) this.#inFlightByClient.set(clientKey, left);
		else this.#inFlightByClient.delete(clientKey);
	}

	#refuseBusy(clientAtShare: boolean): UpstreamAnswer {
		this.#options.onUpstreamCall?.('busy');
		this.#refusedSinceLog++;
		const now = Date.now();
		if (now - this.#busyLoggedAt >= busyLogIntervalMs) {
			this.#options.logger?.warn(
				{ url: this.#loggedUrl, refused: this.#refusedSinceLog, intervalSeconds: busyLogIntervalMs / 1000 },
				'session checks refused (503): too many in flight, in all or from one client',
			);
			this.#busyLoggedAt = now;
			this.#refusedSinceLog = 0;
		}
		return {
			status: 'unavailable',
			reason: clientAtShare ? 'too many session checks in flight for this client' : 'too many session checks in flight',
		};
	}

	#remember(key: string, answer: UpstreamAnswer): void {
		if (answer.status === 'valid' && this.#options.cacheSeconds > 0) {
			this.#valid.set(key, answer, { ttl: this.#options.cacheSeconds * 1000 });
		} else if (answer.status === 'invalid' && this.#options.invalidCacheSeconds > 0) {
			this.#invalid.set(key, invalidAnswer, { ttl: this.#options.invalidCacheSeconds * 1000 });
		}
	}

	async #askUpstream(cookieValue: string): Promise<UpstreamAnswer> {
		const { cookieName, timeoutMs, onUpstreamCall } = this.#options;
		const answer: AccountAnswer = await askAccountEndpoint({
			url: this.#url,
			cookie: `${cookieName}=${cookieValue}`,
			timeoutMs,
			fetch: this.#options.fetch ?? globalThis.fetch,
		});
		switch (answer.status) {
			case 'valid':
				onUpstreamCall?.('valid');
				return answer;
			case 'invalid':
				onUpstreamCall?.('invalid');
				return invalidAnswer;
			case 'unavailable':
				onUpstreamCall?.('error');
				this.#options.logger?.warn(
					{ url: this.#loggedUrl, reason: answer.reason },
					'session check failed: the collector cannot tell whether the session is valid (503)',
				);
				return { status: 'unavailable', reason: `session check ${answer.reason}` };
		}
	}
}
