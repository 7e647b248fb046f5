import type { RedisConnections } from './connections.js';

/**
 * Lets `closing` (the queue, the worker) finish, then closes the connections; should that take longer than
 * `timeoutMs` (Redis unreachable: a polite QUIT would wait for it), the connections are dropped instead, so that a
 * command line process always ends.
 */
export async function closeWithin(redis: RedisConnections, closing: readonly Promise<unknown>[], timeoutMs: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<'timed out'>((resolve) => {
		timer = setTimeout(resolve, timeoutMs, 'timed out');
	});
	const closed = (async () => {
		await Promise.allSettled(closing);
		await redis.close();
	})();
	if ((await Promise.race([closed, timeout])) === 'timed out') {
		redis.commands.disconnect();
		try {
			redis.queue().disconnect();
		} catch {
			// never opened: nothing to drop
		}
	}
	clearTimeout(timer);
}
