import type { Redis } from 'ioredis';
import { LuaScript } from '../redis/lua-script.js';
import { type RateLimiter, tooManyReports } from './rate-limiter.js';
import { storeUnavailable } from './store-unavailable.js';
import { sessionKeyText } from '../store/session-key.js';

/**
 * Counts the request and answers the milliseconds until the window ends when it is over the limit, -1 when it is
 * within. The window starts with its first request and is a key expiring a minute later; a key left without a
 * time to live (it cannot be, but it would never reset) gets one.
 */
const takeScript = new LuaScript(`
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if count > tonumber(ARGV[2]) then return ttl end
return -1
`);

const windowMs = 60_000;

export interface RedisRateLimitOptions {
	/** The shared command connection; never closed here. */
	commands: Redis;
	/** In front of every key, e.g. `bcb:`. */
	keyPrefix: string;
	perMinute: number;
	/** Called once per failed Redis call (the request is then answered 503). */
	onError?: (error: unknown) => void;
}

/**
 * The same fixed one-minute window per session as `RateLimit`, counted in Redis so that it holds across every
 * instance: one atomic script call (one round trip) per report, on `<prefix>rate:<session key>`.
 */
export class RedisRateLimit implements RateLimiter {
	readonly #commands: Redis;
	readonly #keyPrefix: string;
	readonly #perMinute: number;
	readonly #onError: (error: unknown) => void;

	constructor({ commands, keyPrefix, perMinute, onError = () => {} }: RedisRateLimitOptions) {
		if (!Number.isInteger(perMinute) || perMinute < 1) throw new TypeError('perMinute must be a positive integer');
		this.#commands = commands;
		this.#keyPrefix = `${keyPrefix}rate:`;
		this.#perMinute = perMinute;
		this.#onError = onError;
	}

	async take(key: string): Promise<void> {
		let retryAfterMs: unknown;
		try {
			retryAfterMs = await takeScript.run(this.#commands, [this.#keyPrefix + sessionKeyText(key)], [windowMs, this.#perMinute]);
		} catch (error) {
			// The report could not be stored either: answer now rather than after a second failing call.
			this.#onError(error);
			throw storeUnavailable();
		}
		if (typeof retryAfterMs === 'number' && retryAfterMs >= 0) throw tooManyReports(this.#perMinute, retryAfterMs);
	}
}
