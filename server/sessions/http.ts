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

/**
 * What upstream said, without the session id: the caller's cookie value is a slice of its request's `Cookie`
 * header, and a cached answer holding it would keep the whole header alive for as long as it is cached.
 */
type UpstreamAnswer =
	| { status: 'valid'; identity?: SessionIdentity }
	| Extract<SessionCheck, { status: 'invalid' | 'unavailable' }>;

/**
 * Asks the publisher's backend whether a session cookie is live, by forwarding it: 2xx = valid,
 * 401/403/404 = invalid, anything else or a timeout = unavailable (never valid).
 *
 * Valid and invalid answers are cached for a bounded time; concurrent checks of one session share one upstream
 * call, so a page firing several requests at once costs the publisher one lookup.
 */
export class HttpSessions implements SessionValidator {
	readonly #options: HttpSessionsOptions;
	readonly #cache: LRUCache<string, UpstreamAnswer>;
	readonly #inFlight = new Map<string, Promise<UpstreamAnswer>>();

	constructor(options: HttpSessionsOptions) {
		this.#options = options;
		this.#cache = new LRUCache({ max: options.cacheMaxEntries, ttlResolution: 0 });
	}

	async validate(cookieValue: string): Promise<SessionCheck> {
		const key = sessionKeyOf(cookieValue);
		const answer = this.#cache.get(key) ?? (await this.#askShared(key, cookieValue));
		if (answer.status !== 'valid') return answer;
		return answer.identity === undefined
			? { status: 'valid', sessionId: cookieValue }
			: { status: 'valid', sessionId: cookieValue, identity: answer.identity };
	}

	/** One upstream call per session at a time, at most `maxConcurrentChecks` in all; the answer is cached. */
	#askShared(key: string, cookieValue: string): Promise<UpstreamAnswer> | UpstreamAnswer {
		const pending = this.#inFlight.get(key);
		if (pending !== undefined) return pending;
		if (this.#inFlight.size >= this.#options.maxConcurrentChecks) {
			this.#options.onUpstreamCall?.('busy');
			return { status: 'unavailable', reason: 'too many session checks in flight' };
		}
		const asked = this.#askUpstream(cookieValue)
			.then(
				(answer) => {
					this.#remember(key, answer);
					return answer;
				},
				// #askUpstream turns every failure into an answer; this only guards the map clean-up below.
				(error: unknown) => ({ status: 'unavailable' as const, reason: String(error) }),
			)
			.finally(() => this.#inFlight.delete(key));
		this.#inFlight.set(key, asked);
		return asked;
	}

	#remember(key: string, answer: UpstreamAnswer): void {
		if (answer.status === 'unavailable') return;
		const seconds = answer.status === 'valid' ? this.#options.cacheSeconds : this.#options.invalidCacheSeconds;
		if (seconds > 0) this.#cache.set(key, answer, { ttl: seconds * 1000 });
	}

	async #askUpstream(cookieValue: string): Promise<UpstreamAnswer> {
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
		return identity === undefined ? { status: 'valid' } : { status: 'valid', identity };
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
