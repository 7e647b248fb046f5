import { Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import { askDecision, startCollector } from './collector-fixture.js';

describe('listen().stop()', () => {
	it('drains even while a keep-alive client keeps its connection busy', async () => {
		const running = await startCollector();
		const sessionId = running.collector.memorySessions!.create();
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		let sending = true;
		const answers: Array<string | string[] | undefined> = [];
		// A client that never lets its one keep-alive connection go idle: each request waits 300 ms for a report
		// that never comes, and the next follows at once on the same connection.
		const client = (async () => {
			while (sending) {
				try {
					const answer = await askDecision(running.url, sessionId, 'segment=a&wait=300', { agent });
					answers.push(answer.headers.connection);
				} catch {
					return; // the server closed: what a drained server does
				}
			}
		})();
		// Stop while the second request is being answered (a fixed delay could land between two requests, when the
		// connection is idle for an instant and a drain rightly closes it).
		await new Promise<void>((resolve) => {
			let requests = 0;
			running.server.on('request', () => {
				if (++requests === 2) resolve();
			});
		});
		const stopped = running.stop().then(() => 'stopped' as const);
		const timeout = new Promise<'still running'>((resolve) => setTimeout(resolve, 3_000, 'still running'));
		expect(await Promise.race([stopped, timeout])).toBe('stopped');
		sending = false;
		await client;
		agent.destroy();
		expect(answers.at(-1)).toBe('close');
	});
});
