import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { apiKey, reportSegments } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';
import { type ConsoleCollector, consolePath, startConsoleCollector } from './console-fixture.js';

interface Status {
	reports: Record<string, number>;
	decisions: Record<string, number>;
	sessionsHeld: number | null;
	profileSync: { configured: boolean; outcomes: Record<string, number>; recentFailures: { at: string; reason: string }[] };
	uptimeSeconds: number;
	version: string;
}

describe('console status and the decision tester', () => {
	let fake: FakeBlueConic;
	let console: ConsoleCollector;
	beforeAll(async () => {
		fake = await startFakeBlueConic();
		console = await startConsoleCollector({
			blueconic: { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'test-secret', retry: { maxAttempts: 1, baseDelayMs: 5, maxDelayMs: 10 } },
		});
		await console.signIn();
	});
	afterAll(async () => {
		await console.stop({ drain: false });
		await fake.close();
	});

	function decide(sessionId: string, segments: string[]) {
		return send(`${console.url}/plugins/blueconic/decide`, {
			method: 'POST',
			body: JSON.stringify({ session: sessionId, nodes: segments.map((segment) => ({ type: 'manual', segment })) }),
			headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
		});
	}

	function postWebhook(email: string) {
		return send(`${console.url}/plugins/blueconic/profile-sync`, {
			method: 'POST',
			body: JSON.stringify({ email, attributes: {} }),
			headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
		});
	}

	it('reports reports, decisions, sessions held and profile-sync outcomes from the metrics, and recent failures without emails', async () => {
		const before = (await console.request(`${consolePath}/api/status`)).json as Status;
		expect(before).toMatchObject({ reports: { segments: 0, empty: 0 }, decisions: { yes: 0, no: 0, unknown: 0 }, sessionsHeld: 0, version: '0.1.0' });
		expect(before.profileSync).toEqual({ configured: true, outcomes: {}, recentFailures: [] });

		const reporter = console.collector.memorySessions!.create();
		const silent = console.collector.memorySessions!.create();
		expect((await reportSegments(console.url, reporter, ['sports'])).status).toBe(204);
		expect((await reportSegments(console.url, silent, [])).status).toBe(204);
		await decide(reporter, ['sports', 'premium']);
		await decide('never-reported-session', ['sports']);
		expect((await postWebhook('jane@example.com')).status).toBe(200);
		fake.inject({ kind: 'status', status: 400, body: { code: 'INVALID', message: 'bad value for jane.doe@example.com', errors: [] } });
		await postWebhook('jane.doe@example.com');

		const answer = await console.request(`${consolePath}/api/status`);
		expect(answer.status).toBe(200);
		const status = answer.json as Status;
		expect(status.reports).toMatchObject({ segments: 1, empty: 1 });
		expect(status.decisions).toEqual({ yes: 1, no: 1, unknown: 1 });
		expect(status.sessionsHeld).toBe(2);
		expect(status.profileSync.outcomes).toMatchObject({ CREATED: 1 });
		expect(status.profileSync.recentFailures).toHaveLength(1);
		expect(status.profileSync.recentFailures[0]?.reason).toContain('BlueConic');
		// BlueConic quoted the email back: the ring keeps the reason, not the address.
		expect(status.profileSync.recentFailures[0]?.reason).toContain('bad value for <email>');
		expect(Date.parse(status.profileSync.recentFailures[0]?.at ?? '')).not.toBeNaN();
		expect(answer.text).not.toContain('@example.com');
		expect(answer.text).not.toContain(reporter);
	});

	it('tests decisions for a pasted session id: its report and each featured segment, never echoing the id', async () => {
		const sessionId = console.collector.memorySessions!.create();
		expect((await reportSegments(console.url, sessionId, ['sports', 'other'])).status).toBe(204);
		const answer = await console.write('POST', `${consolePath}/api/decision-test`, { session: sessionId });
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			report: 'hit',
			segments: ['sports', 'other'],
			updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			featured: [
				{ segment: 'sports', name: 'Sports fans', result: 'yes' },
				{ segment: 'premium', name: 'Premium prospects', result: 'no' },
			],
		});
		expect(answer.text).not.toContain(sessionId);

		const unknown = await console.write('POST', `${consolePath}/api/decision-test`, { session: 'no-such-session' });
		expect(unknown.json).toEqual({
			report: 'miss',
			segments: null,
			updatedAt: null,
			featured: [
				{ segment: 'sports', name: 'Sports fans', result: 'unknown' },
				{ segment: 'premium', name: 'Premium prospects', result: 'unknown' },
			],
		});
	});

	it('refuses a decision test without a session id', async () => {
		const answer = await console.write('POST', `${consolePath}/api/decision-test`, { session: '' });
		expect(answer.status).toBe(400);
		expect(errorCode(answer)).toBe('invalid_request');
	});
});
