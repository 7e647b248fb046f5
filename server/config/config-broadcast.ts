import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { RedisConnections } from '../redis/connections.js';
import type { ConfigPublisher } from './live-config-holder.js';

export interface ConfigBroadcast extends ConfigPublisher {
	/** Resolves once this replica listens for the others' saves. */
	readonly subscribed: Promise<void>;
	close(): void;
}

/** A save is at most a configuration file; anything bigger on the channel is not one of ours. */
const maxMessageBytes = 4 * 1024 * 1024;

/**
 * The replicas' channel (`<keyPrefix>config`) on the process's shared subscriber connection: a console save on one
 * replica is published as written (its `env:` references unresolved: each replica resolves them with its own
 * environment), and every other replica hands it to `onConfig`. A replica that misses a message (Redis down at
 * that moment) keeps its configuration until its own file changes or the next save.
 */
export function createConfigBroadcast(
	redis: RedisConnections,
	{ onConfig, logger }: { onConfig: (source: unknown) => void; logger: Logger },
): ConfigBroadcast {
	const channel = `${redis.keyPrefix}config`;
	const replicaId = randomUUID();
	const subscriber = redis.subscriber();
	const onMessage = (messageChannel: string, message: string): void => {
		if (messageChannel !== channel || message.length > maxMessageBytes) return;
		let parsed: { from?: unknown; config?: unknown };
		try {
			parsed = JSON.parse(message) as { from?: unknown; config?: unknown };
		} catch {
			logger.warn({ channel }, 'ignored a message on the configuration channel that is not JSON');
			return;
		}
		if (parsed.from === replicaId || parsed.config === undefined) return;
		onConfig(parsed.config);
	};
	subscriber.on('message', onMessage);
	const subscribed = subscriber.subscribe(channel).then(
		() => undefined,
		(error: unknown) => {
			// ioredis subscribes again once it reconnects.
			logger.warn({ err: error }, 'could not listen for other replicas\' configuration saves yet');
		},
	);
	return {
		subscribed,
		async publish(source) {
			await redis.commands.publish(channel, JSON.stringify({ from: replicaId, config: source }));
		},
		close() {
			subscriber.off('message', onMessage);
		},
	};
}
