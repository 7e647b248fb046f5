import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCollector } from '../../server/app.js';
import { listen, type RunningCollector } from '../../server/listen.js';
import { createLogger } from '../../server/logger.js';
import { apiKey, askDecision, reportSegments, testConfig } from './collector-fixture.js';
import { send } from './http-client.js';

// LOG_LEVEL=debug logs each answered request: method, route template, status, duration, request id. Never a cookie,
// key, session id, query or raw path; and client-chosen strings that reach a log are capped.

const lines: string[] = [];
const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const requestLines = () => records().filter((record) => record.msg === 'request answered');

let running: RunningCollector & { sessionId: string };

function start(level: string) {
	const collector = createCollector(
		testConfig({
			// Profile sync on, for the webhook's log line; an event it ignores never reaches this address.
			blueconic: { baseUrl: 'http://127.0.0.1:9', clientId: 'test-client', clientSecret: 'test-secret' },
		}),
		{ logger: createLogger(level, { write: (line: string) => void lines.push(line) }) },
	);
	return listen(collector, { port: 0, host: '127.0.0.1' }).then((listening) => ({
		...listening,
		sessionId: collector.memorySessions!.create(),
	}));
}

describe('at LOG_LEVEL=debug', () => {
	beforeAll(async () => {
		running = await start('debug');
	});
	afterAll(() => running.stop());
	beforeEach(() => {
		lines.length = 0;
	});

	it('logs a browser endpoint request with its route, status, duration and request id', async () => {
		const answer = await reportSegments(running.url, running.sessionId, ['a']);
		expect(answer.status).toBe(204);
		expect(requestLines()).toEqual([
			expect.objectContaining({
				level: 20,
				requestId: answer.headers['x-request-id'],
				method: 'POST',
				route: '/plugins/public/blueconic/segments',
				status: 204,
				durationMs: expect.any(Number),
			}),
		]);
	});

	it('logs a Koa route by its template, never the session id in its path, nor the key', async () => {
		const sessionId = 'session-that-never-reported-4f2a';
		const answer = await send(`${running.url}/plugins/blueconic/sessions/${sessionId}/segments`, {
			headers: { authorization: `Bearer ${apiKey}` },
		});
		expect(answer.status).toBe(404);
		expect(requestLines()).toEqual([
			expect.objectContaining({
				requestId: answer.headers['x-request-id'],
				method: 'GET',
				route: '/plugins/blueconic/sessions/:sessionId/segments',
				status: 404,
				code: 'session_not_found',
			}),
		]);
		expect(lines.join('')).not.toContain(sessionId);
		expect(lines.join('')).not.toContain(apiKey);
	});

	it('never logs the cookie, the query or an unmatched raw path', async () => {
		await askDecision(running.url, running.sessionId, 'segment=private-segment-name');
		await askDecision(running.url, 'forged-cookie-value', 'segment=a');
		await send(`${running.url}/no/such/${running.sessionId}/path`);
		expect(requestLines().map(({ route, status }) => [route, status])).toEqual([
			['/plugins/public/blueconic/decision', 200],
			['/plugins/public/blueconic/decision', 401],
			['unmatched', 404],
		]);
		const logged = lines.join('');
		for (const secret of [running.sessionId, 'forged-cookie-value', 'private-segment-name', '/no/such']) {
			expect(logged).not.toContain(secret);
		}
	});

	it('caps a client-chosen string that reaches a log', async () => {
		const eventType = `LOGIN_${'x'.repeat(10_000)}`;
		const answer = await send(`${running.url}/plugins/blueconic/profile-sync`, {
			method: 'POST',
			headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({ type: eventType, details: { user_id: 'u'.repeat(10_000) } }),
		});
		expect(answer.status).toBe(200);
		const handled = records().find((record) => record.msg === 'profile sync webhook handled');
		expect(handled?.ignoredEventTypes).toEqual([expect.stringMatching(/^LOGIN_x+\.\.\. \(9906 more characters\)$/)]);
		expect(lines.join('\n')).not.toContain('u'.repeat(200));
		for (const line of lines) expect(line.length).toBeLessThan(1_000);
	});

	it('caps a client-chosen media type quoted in an error message', async () => {
		const answer = await reportSegments(running.url, running.sessionId, ['a'], { 'content-type': `text/${'y'.repeat(5_000)}` });
		expect(answer.status).toBe(415);
		expect(answer.text.length).toBeLessThan(400);
	});
});

describe('at LOG_LEVEL=info', () => {
	it('logs no request lines', async () => {
		lines.length = 0;
		running = await start('info');
		try {
			expect((await reportSegments(running.url, running.sessionId, ['a'])).status).toBe(204);
			expect((await send(`${running.url}/healthz`)).status).toBe(200);
			expect(requestLines()).toEqual([]);
		} finally {
			await running.stop();
		}
	});
});
