import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { apiKey, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { errorCode, send } from './http-client.js';

let blueconic: FakeBlueConic;
let running: StartedCollector;

beforeAll(async () => {
	blueconic = await startFakeBlueConic();
	running = await startCollector(
		testConfig({
			blueconic: {
				baseUrl: blueconic.url,
				consumerKey: 'test-client',
				consumerSecret: 'test-secret',
				retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
			},
			profileMapping: {
				trackingIdPropertyId: 'zephr_tracking_id',
				attributes: [{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'Text' } }],
			},
			profileSync: { minRetryAfterSeconds: 7 },
		}),
	);
});
afterAll(async () => {
	await running.stop();
	await blueconic.close();
});
afterEach(() => {
	blueconic.requests.length = 0;
});

const webhook = {
	type: 'CREATE_USER',
	time: 1_700_000_000_000,
	details: {
		user_id: 'u-1',
		identifiers: { email_address: 'jane@example.com' },
		attributes: { 'first-name': 'Jane' },
		tracking_id: 't-1',
	},
};

function postWebhook(body: unknown, key = apiKey) {
	return send(`${running.url}/plugins/blueconic/profile-sync`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
}

describe('POST /plugins/blueconic/profile-sync', () => {
	it('puts the mapped profile into BlueConic and answers once BlueConic accepted it', async () => {
		const response = await postWebhook(webhook);
		expect(response.status).toBe(200);
		expect(JSON.stringify(response.json)).toContain('CREATED');
		const profile = blueconic.profiles.get('jane@example.com');
		expect(profile?.properties).toMatchObject({ email: ['jane@example.com'], zephr_tracking_id: ['t-1'], firstname: ['Jane'] });
	});

	it('needs an API key', async () => {
		const response = await postWebhook(webhook, 'wrong-key-0123456789');
		expect(response.status).toBe(401);
		expect(blueconic.requests).toHaveLength(0);
	});

	it('answers 503 with the configured Retry-After floor while BlueConic fails', async () => {
		const fault = blueconic.inject({ kind: 'status', status: 503, times: Infinity });
		try {
			const response = await postWebhook({ email: 'later@example.com' });
			expect(response.status).toBe(503);
			expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(7);
			expect(blueconic.profiles.has('later@example.com')).toBe(false);
		} finally {
			fault.remove();
		}
		expect((await postWebhook({ email: 'later@example.com' })).status).toBe(200);
		expect(blueconic.profiles.has('later@example.com')).toBe(true);
	});

	it('refuses a body that is not JSON', async () => {
		const response = await send(`${running.url}/plugins/blueconic/profile-sync`, {
			method: 'POST',
			headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
			body: '{',
		});
		expect(response.status).toBe(400);
		expect(errorCode(response)).toBe('invalid_json');
	});

	it('counts sync outcomes on /metrics', async () => {
		await postWebhook({ email: 'counted@example.com' });
		const metrics = await send(`${running.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
		expect(metrics.text).toContain('blueconic_bridge_profile_sync_');
	});

	it('answers 404 when no blueconic section is configured', async () => {
		const bare = await startCollector();
		try {
			const response = await send(`${bare.url}/plugins/blueconic/profile-sync`, {
				method: 'POST',
				headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
				body: JSON.stringify(webhook),
			});
			expect(response.status).toBe(404);
			expect(errorCode(response)).toBe('profile_sync_not_configured');
		} finally {
			await bare.stop();
		}
	});
});
