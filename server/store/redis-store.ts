import type { Redis } from 'ioredis';
import { LuaScript } from '../redis/lua-script.js';
import { RedisReportWaiters } from './redis-report-waiters.js';
import type { SegmentStore, StoreRead } from './segment-store.js';
import { StoreUnavailableError } from './store-unavailable-error.js';

/** What failed, for the store-error metric. */
export type StoreOperation = 'read' | 'write' | 'count';

export interface RedisStoreOptions {
	/** The shared command connection (`RedisConnections.commands`); never closed by the store. */
	commands: Redis;
	/** The process's one subscriber connection (`RedisConnections.subscriber()`); never closed by the store. */
	subscriber: Redis;
	/** In front of every key and channel, e.g. `bcb:`. */
	keyPrefix: string;
	ttlSeconds: number;
	/** Bound on concurrent `waitForReport` callers in this process. */
	maxWaiters?: number;
	/** Called once per failed Redis call (the store then answers `unavailable` or rejects the write). */
	onError?: (operation: StoreOperation, error: unknown) => void;
}

/**
 * Between the report time and the segment ids, and between ids: a line feed, which a segment id cannot hold
 * (`parseSegmentReport` refuses control characters).
 */
const separator = '\n';

/**
 * A report and its notice to the instances waiting for the session's first report, in one call: one round trip,
 * both or neither. (An ioredis pipeline of SET and PUBLISH cost four times the client CPU of this one call.)
 */
const writeScript = new LuaScript(`
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[3], '')
return 1
`);

/**
 * Segments per session in a Redis that every collector instance shares. One string key per session,
 * `<prefix>s:<session key>`, holding `<report time in ms>\n<id>\n<id>...` (just the time for an empty report) and
 * expiring `ttlSeconds` after the last report: a write is one script call (SET with its channel notice), a read
 * one GET. Redis drops a key when it expires, so an expired report reads `miss`, not `expired`.
 */
export class RedisSegmentStore implements SegmentStore {
	readonly #commands: Redis;
	readonly #keyPrefix: string;
	readonly #ttlSeconds: number;
	readonly #waiters: RedisReportWaiters;
	readonly #onError: (operation: StoreOperation, error: unknown) => void;
	#counting: Promise<number> | undefined;

	constructor({ commands, subscriber, keyPrefix, ttlSeconds, maxWaiters = 10_000, onError = () => {} }: RedisStoreOptions) {
		if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError('ttlSeconds must be a positive integer');
		this.#commands = commands;
		this.#keyPrefix = `${keyPrefix}s:`;
		this.#ttlSeconds = ttlSeconds;
		this.#waiters = new RedisReportWaiters({ subscriber, channelPrefix: `${keyPrefix}r:`, maxWaiters });
		this.#onError = onError;
	}

	async read(sessionKey: string): Promise<StoreRead> {
		let value: string | null;
		try {
			value = await this.#commands.get(this.#keyPrefix + sessionKey);
		} catch (error) {
			this.#onError('read', error);
			return { status: 'unavailable' };
		}
		return value === null ? { status: 'miss' } : decodeReport(value);
	}

	async write(sessionKey: string, segmentIds: readonly string[]): Promise<void> {
		let value = String(Date.now());
		for (const id of segmentIds) {
			if (id.includes(separator)) throw new TypeError('a segment id must not contain a line feed');
			value += separator + id;
		}
		try {
			await writeScript.run(this.#commands, [this.#keyPrefix + sessionKey], [value, this.#ttlSeconds, this.#waiters.channelOf(sessionKey)]);
		} catch (error) {
			this.#onError('write', error);
			throw new StoreUnavailableError('write', { cause: error });
		}
	}

	async waitForReport(sessionKey: string, timeoutMs: number): Promise<StoreRead> {
		const current = await this.read(sessionKey);
		// Waiting while Redis is unreachable would only hold the page's request open.
		if (current.status === 'hit' || current.status === 'unavailable') return current;
		await this.#waiters.wait(sessionKey, timeoutMs, async () => (await this.read(sessionKey)).status === 'hit');
		return this.read(sessionKey);
	}

	/**
	 * Session keys under this prefix, counted with SCAN (no key holds a count: keys leave by expiring). A scrape
	 * walks every key, so concurrent callers share one walk.
	 */
	sessionCount(): Promise<number> {
		this.#counting ??= this.#countKeys().finally(() => (this.#counting = undefined));
		return this.#counting;
	}

	async close(): Promise<void> {
		this.#waiters.close();
	}

	async #countKeys(): Promise<number> {
		const pattern = `${escapeGlob(this.#keyPrefix)}*`;
		let cursor = '0';
		let count = 0;
		try {
			do {
				const [next, keys] = await this.#commands.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
				cursor = next;
				count += keys.length;
			} while (cursor !== '0');
		} catch (error) {
			this.#onError('count', error);
			throw new StoreUnavailableError('count', { cause: error });
		}
		return count;
	}
}

function decodeReport(value: string): StoreRead {
	const timeEnd = value.indexOf(separator);
	const reportedAt = Number(timeEnd === -1 ? value : value.slice(0, timeEnd));
	// Not a value this store wrote (another program's key under the prefix): as good as no report.
	if (!Number.isSafeInteger(reportedAt)) return { status: 'miss' };
	const segmentIds = timeEnd === -1 ? [] : value.slice(timeEnd + 1).split(separator);
	return { status: 'hit', segmentIds, updatedAtMs: reportedAt };
}

/** `prefix` as a SCAN MATCH pattern matching itself literally. */
function escapeGlob(prefix: string): string {
	return prefix.replace(/[*?[\]\\]/g, '\\$&');
}
