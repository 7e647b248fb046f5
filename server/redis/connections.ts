import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionsOptions {
	/** `redis://` or `rediss://` URL (ioredis also takes `?family=6`, a password and a db number in it). */
	url: string;
	/**
	 * Written in front of every key and channel this process uses, so several deployments can share one Redis.
	 * Applied by each user of a connection, not through ioredis' `keyPrefix` option, which BullMQ refuses.
	 */
	keyPrefix: string;
	/** Extra ioredis options for every connection (tests shorten the reconnect delay). */
	redisOptions?: RedisOptions;
}

/**
 * A failing command fails the request that made it within about a second, instead of waiting in ioredis' queue
 * until Redis returns: pages get `unknown` or a 503 with Retry-After, and the connection keeps reconnecting on
 * its own.
 */
const commandOptions: RedisOptions = {
	maxRetriesPerRequest: 1,
	commandTimeout: 1_000,
	connectTimeout: 2_000,
	retryStrategy: (attempt) => Math.min(100 * attempt, 1_000),
};

/**
 * Every Redis connection of one collector process, opened here and closed here, once: the command connection
 * that the store and the limits share, the one subscriber connection that pub/sub needs, and the connection
 * that BullMQ's queue and worker use (BullMQ requires `maxRetriesPerRequest: null` on it and opens its blocking
 * duplicates from it). A client lent in by the caller is used as the command connection and never closed.
 */
export class RedisConnections {
	readonly keyPrefix: string;
	readonly commands: Redis;
	readonly #url: string | undefined;
	readonly #redisOptions: RedisOptions;
	readonly #owned: Redis[] = [];
	#subscriber: Redis | undefined;
	#queue: Redis | undefined;
	#closing: Promise<void> | undefined;

	constructor(options: RedisConnectionsOptions | { client: Redis; keyPrefix: string; redisOptions?: RedisOptions }) {
		if (/[\s{}]/.test(options.keyPrefix)) throw new TypeError('keyPrefix must not contain white space or braces');
		this.keyPrefix = options.keyPrefix;
		this.#redisOptions = options.redisOptions ?? {};
		if ('client' in options) {
			this.#url = undefined;
			this.commands = options.client;
		} else {
			this.#url = options.url;
			// Commands issued in one tick (many requests at once) go out in one write: a third of the client CPU per
			// command under load. Not on the subscriber, whose commands change the connection's mode.
			this.commands = this.#open({ ...commandOptions, enableAutoPipelining: true });
		}
	}

	/** The process's one subscriber connection, opened on first use. */
	subscriber(): Redis {
		this.#subscriber ??= this.#openLike(commandOptions);
		return this.#subscriber;
	}

	/** The connection BullMQ's queue and worker share, opened on first use. */
	queue(): Redis {
		this.#queue ??= this.#openLike({ maxRetriesPerRequest: null, enableOfflineQueue: true, retryStrategy: commandOptions.retryStrategy! });
		return this.#queue;
	}

	/** Closes the connections opened here (safe to call more than once); a lent client stays open. */
	close(): Promise<void> {
		this.#closing ??= Promise.all(
			this.#owned.map(async (connection) => {
				try {
					await connection.quit();
				} catch {
					connection.disconnect(); // Redis is gone: nothing to say goodbye to
				}
			}),
		).then(() => undefined);
		return this.#closing;
	}

	#open(options: RedisOptions): Redis {
		if (this.#closing !== undefined) throw new Error('the Redis connections are closed');
		const connection = new Redis(this.#url as string, { ...options, ...this.#redisOptions });
		// Errors are seen by the commands that fail; without a listener ioredis would print each reconnect failure.
		connection.on('error', () => {});
		this.#owned.push(connection);
		return connection;
	}

	/** A new connection to the same server as `commands`, also for a lent client. */
	#openLike(options: RedisOptions): Redis {
		if (this.#url !== undefined) return this.#open(options);
		if (this.#closing !== undefined) throw new Error('the Redis connections are closed');
		const connection = this.commands.duplicate({ ...options, ...this.#redisOptions });
		connection.on('error', () => {});
		this.#owned.push(connection);
		return connection;
	}
}
