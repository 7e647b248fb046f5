import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProfileSync, type ProfileSyncOptions } from '../../server/profile-sync/index.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { blueconicConfigFor, counterValue, fastRetry, newRegistry, profileMapping, profileWrites } from './helpers.js';

function zephrWebhook(type: string, email: string | undefined, attributes: Record<string, unknown> = {}, userId = 'u-1') {
	return {
		type,
		time: 1_700_000_000_000,
		details: {
			user_id: userId,
			identifiers: email === undefined ? {} : { email_address: email },
			attributes,
			tracking_id: 'track-1',
		},
	};
}

describe('profile sync webhook', () => {
	let fake: FakeBlueConic;
	let registry: Registry;

	beforeEach(async () => {
		fake = await startFakeBlueConic();
		registry = newRegistry();
	});
	afterEach(() => fake.close());

	function profileSync(overrides: Partial<ProfileSyncOptions> = {}) {
		return createProfileSync({
			blueconic: blueconicConfigFor(fake),
			profileMapping,
			profileSync: { objectiveIds: [] },
			registry,
			minRetryAfterMs: 0,
			...overrides,
		});
	}

	it('sends BlueConic exactly the documented upsert for a Zephr CREATE_USER webhook', async () => {
		const answer = await profileSync().handleWebhook(
			zephrWebhook('CREATE_USER', 'Jane@Example.com', {
				'first-name': 'Jane',
				age: '41',
				newsletter: true,
				'signed-up': '2024-03-01T12:00:00Z',
				score: 0.123456,
				unmapped: 'not sent',
			}),
		);
		expect(profileWrites(fake)).toHaveLength(1);
		expect(profileWrites(fake)[0]?.query).toEqual({});
		expect(profileWrites(fake)[0]?.body).toEqual([
			{
				matching: [[{ id: 'email', value: 'jane@example.com' }]],
				properties: [
					{ id: 'email', values: ['jane@example.com'], strategy: 'SET' },
					{ id: 'zephr_tracking_id', values: ['track-1'], strategy: 'SET' },
					{ id: 'firstname', values: ['Jane'], strategy: 'SET' },
					{ id: 'age', values: ['41'], strategy: 'SET' },
					{ id: 'newsletter', values: ['true'], strategy: 'SET' },
					{ id: 'signup_date', values: ['1709294400000'], strategy: 'SET' },
					{ id: 'score', values: ['0.1235'], strategy: 'SET' },
				],
				strategy: 'UPSERT',
				identifier: 'jane@example.com',
			},
		]);
		const profileId = fake.profiles.get('jane@example.com')?.id;
		expect(answer).toEqual({
			status: 200,
			body: { results: [{ email: 'jane@example.com', userId: 'u-1', state: 'CREATED', profileId }] },
		});
	});

	it('accepts the plain form and a batch mixing both forms, answering per record in order', async () => {
		const answer = await profileSync().handleWebhook([
			{ email: 'a@example.com', trackingId: 't-a', attributes: { age: 30 } },
			zephrWebhook('UPDATE_USER', 'b@example.com'),
			zephrWebhook('DELETE_USER', 'c@example.com', {}, 'u-c'),
			{ email: 'a@example.com', attributes: { age: 'thirty' } },
		]);
		expect(answer.status).toBe(200);
		expect((answer.body as { results: unknown[] }).results).toEqual([
			{ email: 'a@example.com', state: 'CREATED', profileId: expect.any(String) },
			{ email: 'b@example.com', userId: 'u-1', state: 'CREATED', profileId: expect.any(String) },
			{ ignored: 'DELETE_USER', userId: 'u-c' },
			{
				email: 'a@example.com',
				state: 'CREATED',
				profileId: expect.any(String),
				skippedAttributes: [{ attributeId: 'age', reason: 'expected a whole number, got "thirty"' }],
			},
		]);
		// The two records for a@example.com travel as one entry: one request never sends a profile twice.
		expect((profileWrites(fake)[0]?.body as unknown[]).length).toBe(2);
		expect(fake.profiles.get('a@example.com')?.properties).toEqual({ email: ['a@example.com'], zephr_tracking_id: ['t-a'], age: ['30'] });
		expect(fake.profiles.has('c@example.com')).toBe(false);
	});

	it('acknowledges unknown event types without calling BlueConic', async () => {
		const answer = await profileSync().handleWebhook({ type: 'LOGIN', details: { user_id: 'u-9' } });
		expect(answer).toEqual({ status: 200, body: { results: [{ ignored: 'LOGIN', userId: 'u-9' }] } });
		expect(fake.requests).toHaveLength(0);
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_events_ignored_total')).toBe(1);
	});

	it('logs one bounded line for a webhook of 9,000 ignored events, whatever their types', async () => {
		const lines: string[] = [];
		const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
		const events = Array.from({ length: 9_000 }, (_, index) => ({
			type: `LOGIN_${index}_${'x'.repeat(1_000)}`,
			details: { user_id: `u-${index}-${'y'.repeat(1_000)}` },
		}));
		const answer = await profileSync({ logger }).handleWebhook(events);
		expect(answer.status).toBe(200);
		expect((answer.body as { results: unknown[] }).results).toHaveLength(9_000);
		expect(lines).toHaveLength(1);
		expect(lines[0]?.length).toBeLessThan(2_000);
		expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ ignored: 9_000, sent: 0, ignoredEventTypes: expect.any(Array) });
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_events_ignored_total')).toBe(9_000);
		expect(fake.requests).toHaveLength(0);
	});

	it('answers 400 naming the problem for a malformed body, and sends nothing from it', async () => {
		const sync = profileSync();
		const answers = await Promise.all([
			sync.handleWebhook('hello'),
			sync.handleWebhook(null),
			sync.handleWebhook([{ email: 'a@example.com' }, { type: 'CREATE_USER', details: { attributes: 'x' } }]),
			sync.handleWebhook({ type: 'CREATE_USER' }),
		]);
		expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400]);
		expect(answers[2]?.body).toEqual({
			error: { code: 'invalid_profile_sync_body', message: '[1].details.attributes: must be an object of attribute values' },
		});
		expect(answers[3]?.body).toEqual({ error: { code: 'invalid_profile_sync_body', message: 'details: must be an object' } });
		expect(fake.requests).toHaveLength(0);
	});

	it('rejects a lone user without an email with a 400, and reports it per user inside a batch', async () => {
		const sync = profileSync();
		const alone = await sync.handleWebhook(zephrWebhook('CREATE_USER', undefined));
		expect(alone.status).toBe(400);
		expect(alone.body).toMatchObject({ error: { code: 'missing_email' } });
		const batch = await sync.handleWebhook([zephrWebhook('CREATE_USER', undefined), { email: 'ok@example.com' }]);
		expect(batch.status).toBe(200);
		expect((batch.body as { results: unknown[] }).results).toEqual([
			{ userId: 'u-1', rejected: 'missing_email', message: expect.stringContaining('no email') },
			{ email: 'ok@example.com', state: 'CREATED', profileId: expect.any(String) },
		]);
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_rejected_total', { reason: 'missing_email' })).toBe(2);
	});

	it('does not send users who have not consented when a consent attribute is configured', async () => {
		const sync = profileSync({ profileSync: { consentAttribute: 'bc-consent', objectiveIds: [] } });
		const answer = await sync.handleWebhook([
			{ email: 'yes@example.com', attributes: { 'bc-consent': true } },
			{ email: 'text@example.com', attributes: { 'bc-consent': 'true' } },
			{ email: 'no@example.com', attributes: { 'bc-consent': false } },
			{ email: 'unset@example.com', attributes: {} },
		]);
		expect((answer.body as { results: unknown[] }).results).toEqual([
			expect.objectContaining({ email: 'yes@example.com', state: 'CREATED' }),
			expect.objectContaining({ email: 'text@example.com', state: 'CREATED' }),
			{ email: 'no@example.com', skipped: 'consent' },
			{ email: 'unset@example.com', skipped: 'consent' },
		]);
		expect([...fake.profiles.keys()].sort()).toEqual(['text@example.com', 'yes@example.com']);
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_rejected_total', { reason: 'consent' })).toBe(2);
	});

	it('lets a later withdrawal of consent in the same batch win over an earlier grant', async () => {
		const sync = profileSync({ profileSync: { consentAttribute: 'bc-consent', objectiveIds: [] } });
		const answer = await sync.handleWebhook([
			{ email: 'jane@example.com', attributes: { 'bc-consent': 'true' } },
			{ email: 'jane@example.com', attributes: { 'bc-consent': 'false' } },
		]);
		expect((answer.body as { results: unknown[] }).results).toEqual([
			{ email: 'jane@example.com', skipped: 'consent' },
			{ email: 'jane@example.com', skipped: 'consent' },
		]);
		expect(fake.requests).toHaveLength(0);
	});

	it('passes objectiveIds to BlueConic and surfaces CONSENT_MISMATCH per profile', async () => {
		fake.setConsentedObjectives('yes@example.com', ['obj-1']);
		const sync = profileSync({ profileSync: { objectiveIds: ['obj-1'] } });
		const answer = await sync.handleWebhook([{ email: 'yes@example.com' }, { email: 'no@example.com' }]);
		expect(profileWrites(fake)[0]?.query).toEqual({ objectiveIds: 'obj-1' });
		expect((answer.body as { results: unknown[] }).results).toEqual([
			expect.objectContaining({ email: 'yes@example.com', state: 'CREATED' }),
			{ email: 'no@example.com', state: 'CONSENT_MISMATCH' },
		]);
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_profiles_total', { state: 'CONSENT_MISMATCH' })).toBe(1);
	});

	it('answers one user BlueConic did not store with 422, not a 2xx the sender would take for delivered', async () => {
		const sync = profileSync({ profileSync: { objectiveIds: ['obj-1'] } });
		const answer = await sync.handleWebhook({ email: 'no@example.com' });
		expect(answer.status).toBe(422);
		expect(answer.body).toEqual({
			error: { code: 'profile_not_accepted', message: 'BlueConic answered CONSENT_MISMATCH for this profile: it was not stored' },
		});
	});

	it('retries through 429 and 503 and answers 200 only once every profile is stored, each exactly once', async () => {
		fake.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '0' } });
		fake.inject({ kind: 'status', status: 503 });
		const users = Array.from({ length: 50 }, (_, index) => ({ email: `user${index}@example.com` }));
		const answer = await profileSync().handleWebhook(users);
		expect(answer.status).toBe(200);
		expect(profileWrites(fake).map((request) => request.status)).toEqual([429, 503, 200]);
		expect(fake.profiles.size).toBe(50);
		expect(fake.acceptedEntries).toHaveLength(50);
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_blueconic_retries_total', { cause: 'rate_limited' })).toBe(1);
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_blueconic_retries_total', { cause: 'unavailable' })).toBe(1);
	});

	it('answers 503 with Retry-After when BlueConic keeps failing, so the sender retries later', async () => {
		fake.inject({ kind: 'status', status: 503, headers: { 'Retry-After': '7' }, times: Infinity });
		const answer = await profileSync({ client: { retry: { ...fastRetry, maxAttempts: 1 } } }).handleWebhook({ email: 'jane@example.com' });
		expect(answer.status).toBe(503);
		expect(answer.headers).toEqual({ 'Retry-After': '7' });
		expect(answer.body).toMatchObject({ error: { code: 'blueconic_unavailable' } });
	});

	it('holds the Retry-After it passes on to whole seconds from 1 to 300, whatever BlueConic sent', async () => {
		const sync = profileSync({ client: { retry: { ...fastRetry, maxAttempts: 1 } } });
		const floored = profileSync({ client: { retry: { ...fastRetry, maxAttempts: 1 } }, minRetryAfterMs: 30_000 });
		// BlueConic's Retry-After → what the webhook sends without a floor, and with the 30 s floor.
		const cases: [string, string, string][] = [
			['7', '7', '30'],
			['86400', '300', '300'],
			['Thu, 01 Jan 2099 00:00:00 GMT', '300', '300'],
			['9'.repeat(400), '300', '300'],
			['-5', '1', '30'],
			['soon, I promise', '1', '30'],
		];
		for (const [upstream, sent, sentWithFloor] of cases) {
			for (const [webhook, expected] of [
				[sync, sent],
				[floored, sentWithFloor],
			] as const) {
				fake.inject({ kind: 'status', status: 429, headers: { 'Retry-After': upstream } });
				const answer = await webhook.handleWebhook({ email: 'jane@example.com' });
				expect(answer.status, upstream).toBe(503);
				expect(answer.headers, upstream.slice(0, 40)).toEqual({ 'Retry-After': expected });
			}
		}
		expect(profileWrites(fake).map((request) => request.status)).toEqual(Array(cases.length * 2).fill(429));
	});

	it('answers 503 when BlueConic cannot be reached at all', async () => {
		await fake.close();
		const answer = await profileSync({ minRetryAfterMs: 30_000 }).handleWebhook({ email: 'jane@example.com' });
		expect(answer.status).toBe(503);
		expect(answer.headers).toEqual({ 'Retry-After': '30' });
		fake = await startFakeBlueConic(); // for afterEach
	});

	it('answers 502 without secrets when BlueConic refuses our credentials', async () => {
		const lines: string[] = [];
		const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
		const sync = profileSync({ blueconic: blueconicConfigFor(fake, { clientSecret: 'super-secret-value' }), logger });
		const answer = await sync.handleWebhook({ email: 'jane@example.com' });
		expect(answer.status).toBe(502);
		expect(answer.body).toMatchObject({ error: { code: 'blueconic_credentials_refused', message: expect.stringContaining('invalid_client') } });
		expect(JSON.stringify(answer) + lines.join('')).not.toContain('super-secret-value');
		expect(lines.length).toBeGreaterThan(0);
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_token_fetches_total', { outcome: 'refused' })).toBe(1);
	});

	it('answers 503 with Retry-After, not "credentials refused", while the token endpoint answers 200 with broken JSON', async () => {
		fake.inject({ kind: 'status', status: 200, rawBody: '{"access_token": "abc', target: 'token', times: Infinity });
		const answer = await profileSync({ minRetryAfterMs: 30_000 }).handleWebhook({ email: 'jane@example.com' });
		expect(answer.status).toBe(503);
		expect(answer.headers).toEqual({ 'Retry-After': '30' });
		expect(answer.body).toMatchObject({ error: { code: 'blueconic_unavailable', message: expect.stringContaining('not JSON') } });
		expect(profileWrites(fake)).toHaveLength(0);
	});

	it('answers 502 with Retry-After, reporting nobody stored, when BlueConic answers for other identifiers', async () => {
		fake.inject({
			kind: 'rewrite',
			rewrite: (answer) => (answer as { identifier: string }[]).map((result, index) => ({ ...result, identifier: `user${index}` })),
		});
		const answer = await profileSync({ minRetryAfterMs: 30_000 }).handleWebhook([{ email: 'a@example.com' }, { email: 'b@example.com' }]);
		expect(answer.status).toBe(502);
		expect(answer.headers).toEqual({ 'Retry-After': '30' });
		expect(answer.body).toMatchObject({ error: { code: 'blueconic_bad_answer' } });
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_profiles_total', { state: 'CREATED' })).toBe(0);
	});

	it('never logs access tokens', async () => {
		const lines: string[] = [];
		const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
		const sync = profileSync({ logger });
		await sync.handleWebhook({ email: 'jane@example.com' });
		fake.expireTokens();
		await sync.handleWebhook({ email: 'john@example.com' });
		expect(lines.length).toBeGreaterThan(0);
		expect(lines.join('')).not.toMatch(/fake-token-/);
	});

	it('refuses a batch larger than allowed with 413', async () => {
		const answer = await profileSync({ maxUsersPerRequest: 2 }).handleWebhook([{ email: 'a@x.io' }, { email: 'b@x.io' }, { email: 'c@x.io' }]);
		expect(answer.status).toBe(413);
		expect(fake.requests).toHaveLength(0);
	});

	it('finishes syncs in flight on close and then refuses new work with 503', async () => {
		fake.inject({ kind: 'delay', delayMs: 200 });
		const sync = profileSync();
		const inFlight = sync.handleWebhook({ email: 'jane@example.com' });
		await new Promise((resolve) => setTimeout(resolve, 50));
		await sync.close();
		expect(fake.profiles.has('jane@example.com')).toBe(true);
		expect((await inFlight).status).toBe(200);
		expect((await sync.handleWebhook({ email: 'late@example.com' })).status).toBe(503);
	});

	it('can be created twice on one registry, sharing its counters', async () => {
		profileSync();
		await profileSync().handleWebhook({ type: 'LOGIN' });
		expect(await counterValue(registry, 'blueconic_bridge_profile_sync_events_ignored_total')).toBe(1);
	});
});
