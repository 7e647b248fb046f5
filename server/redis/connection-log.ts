import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * Logs when a Redis connection is lost and when it is back, once each: ioredis reports every failed reconnect
 * attempt as an error event, which would be a log line a second for the length of an outage.
 */
export function logConnectionChanges(connection: Redis, name: string, logger: Logger): void {
	let lost = false;
	connection.on('ready', () => {
		if (lost) logger.info({ redis: name }, 'Redis connection restored');
		lost = false;
	});
	connection.on('close', () => {
		if (!lost && connection.status !== 'end') logger.warn({ redis: name }, 'Redis connection lost; reconnecting');
		lost = true;
	});
}
