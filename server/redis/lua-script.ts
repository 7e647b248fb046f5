import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA-1 (EVALSHA), sent in full only when Redis does not have it cached yet (after a
 * restart, or on first use). Kept apart from ioredis' `defineCommand`, which would add a command to a client
 * that may have been lent to the collector.
 */
export class LuaScript {
	readonly #source: string;
	readonly #sha: string;

	constructor(source: string) {
		this.#source = source;
		this.#sha = createHash('sha1').update(source).digest('hex');
	}

	async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
		try {
			return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
		} catch (error) {
			if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
			return redis.eval(this.#source, keys.length, ...keys, ...args);
		}
	}
}
