import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { apiKey, askDecision, type StartedCollector, startCollector, testConfig } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';

let first: FakeBlueConic;
let second: FakeBlueConic;
let running: StartedCollector | undefined;

beforeEach(async () => {
	first = await startFakeBlueConic({ clientId: 'first-client', clientSecret: 'first-secret-0123' });
	second = await startFakeBlueConic({ clientId: 'second-client', clientSecret: 'second-secret-0123' });
});

afterEach(async () => {
	await running?.stop();
	running = undefined;
	await first.close();
	await second.close();
});

function credentialsOf(fake: FakeBlueConic, which: 'first' | 'second') {
	return {
		baseUrl: fake.url,
		clientId: `${which}-client`,
		clientSecret: `${which}-secret-0123`,
		retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
	};
}

const mapping = (propertyId: string) => ({
	attributes: [{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: propertyId, type: 'TEXT' } }],
});

function userWebhook(email: string) {
	return { type: 'CREATE_USER', details: { user_id: email, identifiers: { email_address: email }, attributes: { 'first-name': 'Jane' } } };
}

function postWebhook(body: unknown) {
	return send(`${running!.url}/plugins/blueconic/profile-sync`, {
		method: 'POST',
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
}

function tokenRequests(fake: FakeBlueConic) {
	return fake.requests.filter((request) => request.path === '/rest/v2/oauth/token');
}

describe('blueconic credentials and profileMapping changed live', () => {
	it('the next webhook uses the new credentials, against the new BlueConic', async () => {
		const config = testConfig({ blueconic: credentialsOf(first, 'first'), profileMapping: mapping('firstname') });
		running = await startCollector(config);
		expect((await postWebhook(userWebhook('a@example.com'))).status).toBe(200);
		expect(first.profiles.has('a@example.com')).toBe(true);

		const result = await running.collector.live.save({ ...config, blueconic: credentialsOf(second, 'second') });
		expect(result).toEqual({ status: 'applied', changed: ['blueconic'], written: false });

		expect((await postWebhook(userWebhook('b@example.com'))).status).toBe(200);
		expect(second.profiles.has('b@example.com')).toBe(true);
		expect(first.profiles.has('b@example.com')).toBe(false);
		expect(tokenRequests(second).map((request) => (request.body as Record<string, string>).client_secret)).toEqual(['second-secret-0123']);
	});

	it('a mapping change applies to the next webhook and keeps the token cache', async () => {
		const config = testConfig({ blueconic: credentialsOf(first, 'first'), profileMapping: mapping('firstname') });
		running = await startCollector(config);
		expect((await postWebhook(userWebhook('a@example.com'))).status).toBe(200);
		expect(first.profiles.get('a@example.com')?.properties).toMatchObject({ firstname: ['Jane'] });

		expect(await running.collector.live.save({ ...config, profileMapping: mapping('given_name') })).toMatchObject({
			status: 'applied',
			changed: ['profileMapping'],
		});
		expect((await postWebhook(userWebhook('b@example.com'))).status).toBe(200);
		const properties = first.profiles.get('b@example.com')?.properties;
		expect(properties).toMatchObject({ given_name: ['Jane'] });
		expect(properties).not.toHaveProperty('firstname');
		expect(first.stats.tokensIssued).toBe(1);
	});

	it('a blueconic section added live turns the webhook on', async () => {
		const config = testConfig();
		running = await startCollector(config);
		const before = await postWebhook(userWebhook('a@example.com'));
		expect(before.status).toBe(404);
		expect(errorCode(before)).toBe('profile_sync_not_configured');

		expect(await running.collector.live.save({ ...config, blueconic: credentialsOf(first, 'first') })).toMatchObject({ status: 'applied' });
		expect((await postWebhook(userWebhook('a@example.com'))).status).toBe(200);
		expect(first.profiles.has('a@example.com')).toBe(true);

		// Removed again: the webhook is off again.
		expect(await running.collector.live.save(config)).toMatchObject({ status: 'applied', changed: ['blueconic'] });
		expect(errorCode(await postWebhook(userWebhook('c@example.com')))).toBe('profile_sync_not_configured');
	});
});

describe('BlueConic segment reads', () => {
	it('use the credentials in force for the next read', async () => {
		first.setSegments('jane@example.com', [{ id: 'from-first' }]);
		second.setSegments('jane@example.com', [{ id: 'from-second' }]);
		const config: CollectorConfigInput = testConfig({
			blueconic: credentialsOf(first, 'first'),
			segments: { source: 'verified', blueconic: { segmentsTtlSeconds: 1, profileTtlSeconds: 1 } },
		});
		running = await startCollector(config);
		const sessionId = running.collector.memorySessions!.create({ email: 'jane@example.com' });
		await expect
			.poll(async () => (await askDecision(running!.url, sessionId, 'segment=from-first&wait=1000')).json)
			.toMatchObject({ result: 'yes' });

		expect(await running.collector.live.save({ ...config, blueconic: credentialsOf(second, 'second') })).toMatchObject({
			status: 'applied',
			changed: ['blueconic'],
		});
		// The cached answer from the first BlueConic is refreshed, by now from the second.
		await expect
			.poll(async () => (await askDecision(running!.url, sessionId, 'segment=from-second&wait=1000')).json, { timeout: 15_000 })
			.toMatchObject({ result: 'yes' });
		expect(tokenRequests(second).length).toBeGreaterThan(0);
	});
});
