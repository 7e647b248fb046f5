import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKey, askDecision, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { send } from './http-client.js';
import { openRawConnection, type RawConnection, requestHead } from './raw-http.js';

let running: StartedCollector | undefined;
const opened: RawConnection[] = [];

afterEach(async () => {
	for (const connection of opened.splice(0)) connection.socket.destroy();
	await running?.stop();
	running = undefined;
});

async function open(url: string): Promise<RawConnection> {
	const connection = await openRawConnection(url);
	opened.push(connection);
	return connection;
}

function metricValue(metricsText: string, name: string): number {
	const line = metricsText.split('\n').find((candidate) => candidate.startsWith(`${name} `));
	return Number(line?.slice(name.length + 1));
}

describe('server.maxConnections', () => {
	it('closes new connections past the cap at once while an established keep-alive client keeps being answered', async () => {
		running = await startCollector(testConfig({ server: { maxConnections: 20 } }));
		const { url } = running;
		const sessionId = running.collector.memorySessions!.create();
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		try {
			expect((await askDecision(url, sessionId, 'segment=a', { agent })).status).toBe(200);

			// Forty connections that send nothing: the first 19 are held (the client above has the 20th), the rest closed.
			const flood = await Promise.all(Array.from({ length: 40 }, () => open(url)));
			let closedByServer = 0;
			for (const connection of flood) void connection.closed.then(({ endedByServer }) => endedByServer && closedByServer++);
			await expect.poll(() => closedByServer).toBe(21);

			const answer = await send(`${url}/metrics`, { agent, headers: { authorization: `Bearer ${apiKey}` } });
			expect(answer.status).toBe(200);
			expect(metricValue(answer.text, 'blueconic_bridge_connections')).toBe(20);
			expect(metricValue(answer.text, 'blueconic_bridge_connections_refused_total')).toBe(21);
			const again = await askDecision(url, sessionId, 'segment=a', { agent });
			expect(again.status).toBe(200);
			expect(closedByServer).toBe(21);
		} finally {
			agent.destroy();
		}
	});
});

describe('slow clients', () => {
	it('are cut once server.headersTimeoutSeconds pass without complete headers (slowloris)', async () => {
		running = await startCollector(testConfig({ server: { headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 } }));
		const trickling = await open(running.url);
		const head = requestHead('GET', '/healthz', { 'x-padding': 'p'.repeat(10_000) });
		let sent = 0;
		// One byte every 50 ms: the headers would take ten minutes to arrive.
		const trickle = setInterval(() => {
			if (!trickling.socket.destroyed) trickling.socket.write(head.charAt(sent++));
		}, 50);
		try {
			const { endedByServer } = await trickling.closed;
			expect(endedByServer).toBe(true);
			expect(trickling.received()).toMatch(/^HTTP\/1\.1 408 /);
			expect(sent).toBeLessThan(head.length);
		} finally {
			clearInterval(trickle);
		}
	});

	it('are cut once server.headersTimeoutSeconds pass when they send nothing at all', async () => {
		running = await startCollector(testConfig({ server: { headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 } }));
		const silent = await open(running.url);
		expect((await silent.closed).endedByServer).toBe(true);
	});

	it('are cut once server.requestTimeoutSeconds pass without the whole body', async () => {
		running = await startCollector(testConfig({ server: { headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 } }));
		const sessionId = running.collector.memorySessions!.create();
		const trickling = await open(running.url);
		trickling.socket.write(
			requestHead('POST', '/plugins/public/blueconic/segments', {
				cookie: `blaize_session=${sessionId}`,
				'content-type': 'application/json',
				'content-length': '10000',
			}),
		);
		const trickle = setInterval(() => {
			if (!trickling.socket.destroyed) trickling.socket.write(' ');
		}, 50);
		try {
			expect((await trickling.closed).endedByServer).toBe(true);
			expect(trickling.received()).toMatch(/^HTTP\/1\.1 408 /);
		} finally {
			clearInterval(trickle);
		}
	});
});
