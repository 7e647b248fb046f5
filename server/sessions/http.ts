import { LRUCache } from 'lru-cache';
import { sessionKeyOf } from '../store/session-key.js';
import type { SessionCheck, SessionIdentity, SessionValidator } from './session-validator.js';

export interface HttpSessionsOptions {
	/** The publisher's account endpoint, e.g. Zephr's `https://publisher.example.com/blaize/account`. */
	url: string;
	cookieName: string;
	cacheSeconds: number;
	invalidCacheSeconds: number;
	timeoutMs: number;
	cacheMaxEntries: number;
	/** Upstream checks in flight at once; past it a check answers `unavailable` without asking. */
	maxConcurrentChecks: number;
	/** Told about each upstream call, for metrics. */
	onUpstreamCall?: (outcome: UpstreamOutcome) => void;
	fetch?: typeof globalThis.fetch;
}

/** `busy`: not asked, because `maxConcurrentChecks` were in flight. */
export type UpstreamOutcome = 'valid' | 'invalid' | 'error' | 'busy';

type CachedCheck = Extract<SessionCheck, { status: 'valid' | 'invalid' }>;

/**
 * Asks the publisher's backend whether a session cookie is live, by forwarding it: 2xx = valid,
 * 401/403/404 = invalid, anything else or a timeout = unavailable (never valid).
 *
 * Valid and invalid answers are cached for a bounded time; concurrent checks of one session share one upstream
 * call, so a page firing several requests at once costs the publisher one lookup.
 */
export class HttpSessions implements SessionValidator {
	readonly #options: HttpSessionsOptions;
	readonly #cache: LRUCache<string, CachedCheck>;
	readonly #inFlight = new Map<string, Promise<SessionCheck>>();

	constructor(options: HttpSessionsOptions) {
		this.#options = options;
		this.#cache = new LRUCache({ max: options.cacheMaxEntries, ttlResolution: 0 });
	}

	async validate(cookieValue: string): Promise<SessionCheck> {
		const key = sessionKeyOf(cookieValue);
		const cached = this.#cache.get(key);
		if (cached !== undefined) return cached;
		let pending = this.#inFlight.get(key);
		if (pending === undefined) {
			if (this.#inFlight.size >= this.#options.maxConcurrentChecks) {
				this.#options.onUpstreamCall?.('busy');
				return { status: 'unavailable', reason: 'too many session checks in flight' };
			}
			pending = this.#askUpstream(cookieValue).then(
				(check) => {
					this.#remember(key, check);
					return check;
				},
				// #askUpstream turns every failure into a check; this only guards the map clean-up below.
				(error: unknown) => ({ status: 'unavailable' as const, reason: String(error) }),
			);
			const settled = pending.finally(() => this.#inFlight.delete(key));
			this.#inFlight.set(key, settled);
			pending = settled;
		}
		return pending;
	}

	#remember(key: string, check: SessionCheck): void {
		if (check.status === 'unavailable') return;
		const seconds = check.status === 'valid' ? this.#options.cacheSeconds : this.#options.invalidCacheSeconds;
		if (seconds > 0) this.#cache.set(key, check, { ttl: seconds * 1000 });
	}

	async #askUpstream(cookieValue: string): Promise<SessionCheck> {
		const { url, cookieName, timeoutMs, onUpstreamCall } = this.#options;
		const fetch = this.#options.fetch ?? globalThis.fetch;
		let response: Response;
		try {
			response = await fetch(url, {
				headers: { cookie: `${cookieName}=${cookieValue}`, accept: 'application/json' },
				redirect: 'manual',
				signal: AbortSignal.timeout(timeoutMs),
			});
		} catch (error) {
			onUpstreamCall?.('error');
			const reason = (error as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'request failed';
			return { status: 'unavailable', reason: `session check ${reason}` };
		}
		if (response.status === 401 || response.status === 403 || response.status === 404) {
			await response.body?.cancel();
			onUpstreamCall?.('invalid');
			return { status: 'invalid', reason: 'unknown' };
		}
		if (response.status < 200 || response.status > 299) {
			await response.body?.cancel();
			onUpstreamCall?.('error');
			return { status: 'unavailable', reason: `session check answered ${response.status}` };
		}
		const identity = await readIdentity(response);
		onUpstreamCall?.('valid');
		return identity === undefined
			? { status: 'valid', sessionId: cookieValue }
			: { status: 'valid', sessionId: cookieValue, identity };
	}
}

/** Zephr's account answer: `{"identifiers":{"email_address"},"tracking_id","user_id"}`; any other body is fine too. */
async function readIdentity(response: Response): Promise<SessionIdentity | undefined> {
	let body: unknown;
	try {
		body = await response.json();
	} catch {
		return undefined;
	}
	if (body === null || typeof body !== 'object') return undefined;
	const account = body as { identifiers?: { email_address?: unknown }; tracking_id?: unknown; user_id?: unknown };
	const identity: SessionIdentity = {};
	if (typeof account.identifiers?.email_address === 'string') identity.email = account.identifiers.email_address;
	if (typeof account.tracking_id === 'string') identity.trackingId = account.tracking_id;
	if (typeof account.user_id === 'string') identity.userId = account.user_id;
	return Object.keys(identity).length > 0 ? identity : undefined;
}
