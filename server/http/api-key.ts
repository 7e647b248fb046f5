import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { HttpError } from '../errors/http-error.js';

/**
 * Checks `Authorization: Bearer <apiKey>` for backend endpoints. Keys are compared as SHA-256 digests in
 * constant time, so neither a key's bytes nor its length leak through response timings.
 */
export class ApiKeys {
	readonly #keyDigests: readonly Buffer[];

	constructor(apiKeys: readonly string[]) {
		this.#keyDigests = apiKeys.map(digestOf);
	}

	require(ctx: Context): void {
		const authorization = ctx.get('authorization');
		const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
		if (match?.[1] === undefined) {
			ctx.set('WWW-Authenticate', 'Bearer');
			throw new HttpError(401, 'api_key_missing', 'send an API key as "Authorization: Bearer <key>"');
		}
		const given = digestOf(match[1]);
		let valid = false;
		for (const key of this.#keyDigests) valid = timingSafeEqual(key, given) || valid;
		if (!valid) {
			ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
			throw new HttpError(401, 'api_key_invalid', 'the API key is not one of the configured apiKeys');
		}
	}
}

function digestOf(key: string): Buffer {
	return createHash('sha256').update(key).digest();
}
