import type { Redis } from 'ioredis';
import { ReportWaiters } from './report-waiters.js';

export interface RedisReportWaitersOptions {
	/** The process's one subscriber connection (`RedisConnections.subscriber()`), shared, never closed here. */
	subscriber: Redis;
	/** Written before a session key to name its channel, e.g. `bcb:r:`. */
	channelPrefix: string;
	/** Bound on concurrent waiters in this process (the per-session bound is `ReportWaiters`'). */
	maxWaiters: number;
}

/**
 * Waiters for a session's first report when the report may arrive at another collector instance: each instance
 * publishes on the session's channel when it stores a report, and this process subscribes to a session's channel
 * only while someone here waits for it (one channel per waited session, so an instance hears of no other
 * session's reports). Same bounds as in-process waits, since the waiters are `ReportWaiters`.
 */
export class RedisReportWaiters {
	readonly #subscriber: Redis;
	readonly #channelPrefix: string;
	readonly #waiters: ReportWaiters;
	/** Per waited session: settles once its SUBSCRIBE is confirmed (or failed: the waiters then just time out). */
	readonly #subscriptions = new Map<string, Promise<void>>();
	/** Channels left while Redis was unreachable: ioredis would subscribe to them again on reconnect. */
	readonly #leftUnconfirmed = new Set<string>();
	readonly #onMessage = (channel: string): void => {
		if (channel.startsWith(this.#channelPrefix)) this.#waiters.notify(channel.slice(this.#channelPrefix.length));
	};
	readonly #onReconnect = (): void => {
		for (const sessionKey of this.#leftUnconfirmed) this.#unsubscribe(sessionKey);
	};

	constructor({ subscriber, channelPrefix, maxWaiters }: RedisReportWaitersOptions) {
		this.#subscriber = subscriber;
		this.#channelPrefix = channelPrefix;
		this.#waiters = new ReportWaiters(maxWaiters, {
			watch: (sessionKey) => this.#subscribe(sessionKey),
			unwatch: (sessionKey) => this.#unsubscribe(sessionKey),
		});
		subscriber.on('message', this.#onMessage);
		subscriber.on('ready', this.#onReconnect);
	}

	/** The channel a writer publishes on when it stores a report for `sessionKey`. */
	channelOf(sessionKey: string): string {
		return this.#channelPrefix + sessionKey;
	}

	/**
	 * Resolves when a report for `sessionKey` is published or after `timeoutMs`. `recheck` reads the store once
	 * the subscription is live and says whether a report is held: a report stored between the caller's first read
	 * and the subscription is not missed.
	 */
	async wait(sessionKey: string, timeoutMs: number, recheck: () => Promise<boolean>): Promise<void> {
		const released = this.#waiters.wait(sessionKey, timeoutMs);
		const subscribed = this.#subscriptions.get(sessionKey);
		if (subscribed !== undefined) {
			const live = await Promise.race([subscribed.then(() => true), released.then(() => false)]);
			if (live && (await recheck())) this.#waiters.notify(sessionKey);
		}
		await released;
	}

	/** Answers every waiter now and leaves their channels (shutdown). */
	close(): void {
		this.#waiters.releaseAll();
		this.#subscriber.off('message', this.#onMessage);
		this.#subscriber.off('ready', this.#onReconnect);
	}

	#subscribe(sessionKey: string): void {
		this.#leftUnconfirmed.delete(sessionKey);
		this.#subscriptions.set(
			sessionKey,
			this.#subscriber.subscribe(this.channelOf(sessionKey)).then(
				() => undefined,
				() => undefined, // Redis is unreachable: the wait runs out and answers what the store then says
			),
		);
	}

	#unsubscribe(sessionKey: string): void {
		this.#subscriptions.delete(sessionKey);
		this.#leftUnconfirmed.delete(sessionKey);
		this.#subscriber.unsubscribe(this.channelOf(sessionKey)).then(
			() => undefined,
			() => {
				if (!this.#subscriptions.has(sessionKey)) this.#leftUnconfirmed.add(sessionKey);
			},
		);
	}
}
