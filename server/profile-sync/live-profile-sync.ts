import type { Registry } from 'prom-client';
import type { LogSink } from '../blueconic/log-sink.js';
import type { CollectorConfig } from '../config/schema.js';
import type { Readiness } from '../readiness.js';
import type { RedisConnections } from '../redis/connections.js';
import { createProfileSync, type ProfileSync, type ProfileSyncOptions } from './index.js';
import { createProfileSyncQueue, type ProfileSyncQueue } from './queue/index.js';

export interface LiveProfileSyncOptions {
	/** With Redis the webhook queues users (and, unless `profileSync.worker` is false, this process works the queue). */
	readonly redis: RedisConnections | undefined;
	readonly registry: Registry;
	readonly readiness: Readiness;
	readonly logger: LogSink;
	readonly client?: ProfileSyncOptions['client'];
}

/**
 * Profile sync (and its queue, with Redis) following the configuration in force: built when a `blueconic` section
 * first appears, at start or by a live change, then reconfigured in place by every later change, so the next
 * webhook, job and batch use the credentials and mapping in force while the token cache survives changes that
 * leave the credentials alone. Removing `blueconic` live keeps the parts (the webhook answers 404 from then on).
 */
export class LiveProfileSync {
	readonly #options: LiveProfileSyncOptions;
	#profileSync: ProfileSync | undefined;
	#queue: ProfileSyncQueue | undefined;

	constructor(config: CollectorConfig, options: LiveProfileSyncOptions) {
		this.#options = options;
		this.apply(config);
	}

	/** The profile sync built so far; the webhook also checks that its own settings have a `blueconic` section. */
	get profileSync(): ProfileSync | undefined {
		return this.#profileSync;
	}

	get queue(): ProfileSyncQueue | undefined {
		return this.#queue;
	}

	apply(config: CollectorConfig): void {
		const { blueconic, profileMapping } = config;
		if (blueconic === undefined) return;
		if (this.#profileSync !== undefined) {
			this.#queue?.reconfigure({ blueconic, profileMapping });
			this.#profileSync.reconfigure({ blueconic, profileMapping });
			return;
		}
		const { redis, registry, logger, client } = this.#options;
		const queue =
			redis &&
			createProfileSyncQueue({
				redis,
				blueconic,
				profileMapping,
				profileSync: config.profileSync,
				runWorker: config.profileSync.worker,
				registry,
				logger,
				...(client ? { client } : {}),
			});
		if (queue !== undefined) this.#options.readiness.add('queue', () => queue.isReachable());
		this.#queue = queue;
		this.#profileSync = createProfileSync({
			blueconic,
			profileMapping,
			profileSync: config.profileSync,
			registry,
			logger,
			...(client ? { client } : {}),
			queue,
		});
	}

	abort(): void {
		this.#profileSync?.abort();
	}

	async close(): Promise<void> {
		await this.#profileSync?.close();
		await this.#queue?.close();
	}
}
