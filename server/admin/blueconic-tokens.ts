import { createHash } from 'node:crypto';
import type { LogSink } from '../blueconic/log-sink.js';
import { type AccessTokenSource, createTokenProvider } from '../blueconic/token-provider.js';
import { resolveBackoffPolicy } from '../utils/backoff.js';
import type { BlueConicCredentials } from './blueconic-credentials.js';

/** The scopes the console's reads need (the segment picker and the mapping check). */
export const consoleScopes = 'read:segments read:profile-properties';

// A console call is one person waiting on a page: one attempt, no backoff.
const oneAttempt = resolveBackoffPolicy({ maxAttempts: 1 });

// Credentials change rarely (a save, a reload); a few providers cover an operator trying new ones.
const maxProviders = 4;

/**
 * Access tokens for the console's reads, from BlueConic's token machinery (server/blueconic/token-provider.ts), one
 * provider per set of credentials so a token is fetched once an hour, not once per click.
 */
export class ConsoleTokens {
	readonly #providers = new Map<string, AccessTokenSource>();
	readonly #fetch: typeof fetch;
	readonly #now: () => number;
	readonly #logger: LogSink;

	constructor({ fetch: fetchFn, now, logger }: { fetch: typeof globalThis.fetch; now: () => number; logger: LogSink }) {
		this.#fetch = fetchFn;
		this.#now = now;
		this.#logger = logger;
	}

	providerFor(credentials: BlueConicCredentials): AccessTokenSource {
		const key = credentialsKeyOf(credentials);
		let provider = this.#providers.get(key);
		if (provider === undefined) {
			provider = createTokenProvider({
				config: { ...credentials, scope: consoleScopes },
				policy: oneAttempt,
				refreshMarginMs: 60_000,
				fetch: this.#fetch,
				now: this.#now,
				events: {},
				logger: this.#logger,
			});
			if (this.#providers.size >= maxProviders) this.#providers.delete(this.#providers.keys().next().value as string);
			this.#providers.set(key, provider);
		}
		return provider;
	}
}

/** A digest standing for the credentials, so the secret is never a map key anybody could dump. */
export function credentialsKeyOf({ baseUrl, clientId, clientSecret }: BlueConicCredentials): string {
	return createHash('sha256').update(`${baseUrl}\0${clientId}\0${clientSecret}`).digest('base64url');
}
