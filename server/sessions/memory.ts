import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SessionCheck, SessionIdentity, SessionValidator } from './session-validator.js';

/**
 * Sessions created in this process, for the demo and tests: `create()` returns the cookie value to set.
 * The cookie value is the session id.
 */
export class MemorySessions implements SessionValidator {
	readonly #identities: LRUCache<string, SessionIdentity>;

	constructor({ ttlSeconds, maxSessions = 100_000 }: { ttlSeconds: number; maxSessions?: number }) {
		this.#identities = new LRUCache({ max: maxSessions, ttl: ttlSeconds * 1000, ttlResolution: 0 });
	}

	create(identity: SessionIdentity = {}): string {
		const sessionId = randomUUID();
		this.#identities.set(sessionId, identity);
		return sessionId;
	}

	end(sessionId: string): void {
		this.#identities.delete(sessionId);
	}

	validate(cookieValue: string): SessionCheck {
		const status: LRUCache.Status<string, SessionIdentity> = {};
		const identity = this.#identities.get(cookieValue, { status });
		if (identity === undefined) return { status: 'invalid', reason: status.get === 'stale' ? 'expired' : 'unknown' };
		return { status: 'valid', sessionId: cookieValue, identity };
	}
}
