import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RetryCause, TokenFetchOutcome } from '../../server/blueconic/client-events.js';
import { BlueConicAnswerError } from '../../server/blueconic/errors/blueconic-answer-error.js';
import { BlueConicAuthError } from '../../server/blueconic/errors/blueconic-auth-error.js';
import { BlueConicRequestError } from '../../server/blueconic/errors/blueconic-request-error.js';
import { BlueConicUnavailableError } from '../../server/blueconic/errors/blueconic-unavailable-error.js';
import { type BlueConicClientOptions, createBlueConicClient } from '../../server/blueconic/profiles-client.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { blueconicConfigFor, entry, fastRetry, profileWrites, tokenRequests } from './helpers.js';

const entries = (count: number, from = 0) => Array.from({ length: count }, (_, index) => entry(`user${from + index}@example.com`));

describe('BlueConic profiles client', () => {
	let fake: FakeBlueConic;
	const retries: RetryCause[] = [];
	const tokenFetches: TokenFetchOutcome[] = [];

	beforeEach(async () => {
		fake = await startFakeBlueConic();
		retries.length = 0;
		tokenFetches.length = 0;
	});
	afterEach(() => fake.close());

	function client(overrides: Partial<BlueConicClientOptions> = {}) {
		return createBlueConicClient({
			config: blueconicConfigFor(fake),
			retry: fastRetry,
			events: { onRetry: (cause) => retries.push(cause), onTokenFetch: (outcome) => tokenFetches.push(outcome) },
			...overrides,
		});
	}

	it('creates profiles, then reports them modified or unchanged, mapping each answer to its entry', async () => {
		const bc = client();
		const created = await bc.putProfiles([entry('a@example.com'), entry('b@example.com')]);
		expect(created.map((result) => [result.identifier, result.state])).toEqual([
			['a@example.com', 'CREATED'],
			['b@example.com', 'CREATED'],
		]);
		expect(created[0]?.profileId).toBe(fake.profiles.get('a@example.com')?.id);
		const again = await bc.putProfiles([entry('b@example.com', { city: 'Oslo' }), entry('a@example.com')]);
		expect(again.map((result) => [result.identifier, result.state])).toEqual([
			['b@example.com', 'MODIFIED'],
			['a@example.com', 'UNCHANGED'],
		]);
		expect(fake.profiles.get('b@example.com')?.properties).toEqual({ email: ['b@example.com'], city: ['Oslo'] });
	});

	it('fetches a token with client credentials, form-encoded, once for many requests', async () => {
		const bc = client({ config: blueconicConfigFor(fake, { scope: 'write:profiles' }) });
		await bc.putProfiles(entries(1));
		await bc.putProfiles(entries(1, 1));
		expect(tokenRequests(fake)).toHaveLength(1);
		expect(tokenRequests(fake)[0]?.body).toEqual({
			grant_type: 'client_credentials',
			client_id: 'test-client',
			client_secret: 'test-secret',
			scope: 'write:profiles',
		});
		expect(profileWrites(fake).every((request) => request.authorization?.startsWith('Bearer fake-token-1-'))).toBe(true);
		expect(tokenFetches).toEqual(['issued']);
	});

	it('refreshes the token before expires_in runs out, without waiting for a 401', async () => {
		let clock = 1_000_000;
		const bc = client({ now: () => clock, tokenRefreshMarginMs: 60_000 });
		await bc.putProfiles(entries(1));
		clock += 3_600_000 - 60_000 - 1; // just inside the margin: still the cached token
		await bc.putProfiles(entries(1, 1));
		expect(tokenRequests(fake)).toHaveLength(1);
		clock += 1;
		await bc.putProfiles(entries(1, 2));
		expect(tokenRequests(fake)).toHaveLength(2);
		expect(profileWrites(fake).map((request) => request.status)).toEqual([200, 200, 200]);
	});

	it('fetches a fresh token and retries once when BlueConic answers 401', async () => {
		const bc = client();
		await bc.putProfiles(entries(1));
		fake.expireTokens();
		const [result] = await bc.putProfiles(entries(1, 1));
		expect(result?.state).toBe('CREATED');
		expect(profileWrites(fake).map((request) => request.status)).toEqual([200, 401, 200]);
		expect(tokenRequests(fake)).toHaveLength(2);
		expect(retries).toEqual(['token_rejected']);
	});

	it('gives up with an auth error when even a fresh token is refused', async () => {
		const bc = client();
		fake.inject({ kind: 'status', status: 401, times: 2 });
		const failure = await bc.putProfiles(entries(1)).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(BlueConicAuthError);
		expect(failure).toMatchObject({ code: 'unauthorized', status: 401 });
		expect(tokenRequests(fake)).toHaveLength(2);
	});

	it('shares one token request between concurrent callers', async () => {
		fake.inject({ kind: 'delay', delayMs: 100, target: 'token' });
		const bc = client();
		const results = await Promise.all(Array.from({ length: 8 }, (_, index) => bc.putProfiles(entries(1, index))));
		expect(results.flat().map((result) => result.state)).toEqual(Array(8).fill('CREATED'));
		expect(tokenRequests(fake)).toHaveLength(1);
		expect(fake.profiles.size).toBe(8);
	});

	it('refuses bad credentials with invalid_client and never puts the secret in the error', async () => {
		const bc = client({ config: blueconicConfigFor(fake, { clientSecret: 'wrong-secret-value' }) });
		const failure = await bc.putProfiles(entries(1)).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(BlueConicAuthError);
		expect(failure).toMatchObject({ code: 'invalid_client', status: 401 });
		expect(JSON.stringify(failure) + String((failure as Error).message) + String((failure as Error).stack)).not.toContain('wrong-secret-value');
		expect(profileWrites(fake)).toHaveLength(0);
		expect(tokenFetches).toEqual(['refused']);
	});

	it("retries a token answer of 200 with broken JSON as a passing fault on BlueConic's side", async () => {
		fake.inject({ kind: 'status', status: 200, rawBody: '{"access_token": "abc', target: 'token' });
		fake.inject({ kind: 'status', status: 200, body: { token_type: 'Bearer' }, target: 'token' });
		const results = await client().putProfiles(entries(1));
		expect(results.map((result) => result.state)).toEqual(['CREATED']);
		expect(tokenRequests(fake)).toHaveLength(3);
		expect(retries).toEqual(['server_error', 'server_error']);
		expect(tokenFetches).toEqual(['issued']);
	});

	it('gives up on a token endpoint that keeps answering broken JSON as unavailable, not as refused credentials', async () => {
		fake.inject({ kind: 'status', status: 200, rawBody: '<html>maintenance</html>', target: 'token', times: Infinity });
		const failure = await client().putProfiles(entries(1)).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(BlueConicUnavailableError);
		expect(failure).toMatchObject({ reason: 'server_error', attempts: fastRetry.maxAttempts });
		expect((failure as Error).message).toBe('BlueConic token endpoint answered 200 with a body that is not JSON (gave up after 4 attempts)');
		expect(tokenFetches).toEqual(['failed']);
		expect(profileWrites(fake)).toHaveLength(0);
	});

	it('waits as long as Retry-After asks on a 429, then delivers every profile exactly once', async () => {
		fake.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '1' } });
		const bc = client({ random: () => 0 });
		const started = Date.now();
		const results = await bc.putProfiles(entries(3));
		expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
		expect(results.map((result) => result.state)).toEqual(['CREATED', 'CREATED', 'CREATED']);
		expect(profileWrites(fake).map((request) => request.status)).toEqual([429, 200]);
		expect(fake.acceptedEntries.map((accepted) => accepted.email)).toEqual(['user0@example.com', 'user1@example.com', 'user2@example.com']);
		expect(retries).toEqual(['rate_limited']);
	});

	it('retries through 503s, dropped connections and timeouts with backoff', async () => {
		fake.inject({ kind: 'status', status: 503 });
		fake.inject({ kind: 'drop' });
		fake.inject({ kind: 'delay', delayMs: 10_000 });
		// A timeout far above a loopback round trip even on a loaded CI machine, so only the delayed answer times out.
		const bc = client({ config: blueconicConfigFor(fake, { timeoutMs: 3_000 }), retry: { ...fastRetry, maxAttempts: 5 } });
		const results = await bc.putProfiles(entries(2));
		expect(results.map((result) => result.state)).toEqual(['CREATED', 'CREATED']);
		expect(retries).toEqual(['unavailable', 'network', 'timeout']);
		expect(fake.profiles.size).toBe(2);
	});

	it('gives up after the bounded attempts with an unavailable error carrying the Retry-After hint', async () => {
		fake.inject({ kind: 'status', status: 503 });
		fake.inject({ kind: 'status', status: 503, headers: { 'Retry-After': '2' } });
		const bc = client({ retry: { ...fastRetry, maxAttempts: 2 } });
		const failure = await bc.putProfiles(entries(1)).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(BlueConicUnavailableError);
		expect(failure).toMatchObject({ reason: 'unavailable', attempts: 2 });
		expect((failure as BlueConicUnavailableError).retryAfterMs).toBeGreaterThanOrEqual(2_000);
		expect(profileWrites(fake)).toHaveLength(2);
	});

	it('does not hold a caller for a Retry-After longer than allowed, passing the hint on instead', async () => {
		fake.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '120' } });
		const failure = await client().putProfiles(entries(1)).catch((error: unknown) => error);
		expect(failure).toMatchObject({ name: 'BlueConicUnavailableError', reason: 'rate_limited', retryAfterMs: 120_000, attempts: 1 });
	});

	it('reads a Retry-After of a day, a far date or 400 digits as the 300 s it is clamped to', async () => {
		for (const retryAfter of ['86400', 'Thu, 01 Jan 2099 00:00:00 GMT', '9'.repeat(400)]) {
			fake.inject({ kind: 'status', status: 503, headers: { 'Retry-After': retryAfter } });
			const failure = await client().putProfiles(entries(1)).catch((error: unknown) => error);
			expect(failure).toMatchObject({ name: 'BlueConicUnavailableError', reason: 'unavailable', retryAfterMs: 300_000, attempts: 1 });
		}
	});

	it('matches results to entries by identifier when BlueConic answers them in another order', async () => {
		fake.inject({ kind: 'rewrite', rewrite: (answer) => [...(answer as unknown[])].reverse() });
		const results = await client().putProfiles([entry('a@example.com'), entry('b@example.com', { city: 'Oslo' })]);
		expect(results.map((result) => [result.identifier, result.profileId])).toEqual([
			['a@example.com', fake.profiles.get('a@example.com')?.id],
			['b@example.com', fake.profiles.get('b@example.com')?.id],
		]);
	});

	it("counts nothing as stored when the answer's identifiers are not exactly the entries'", async () => {
		type Result = { identifier?: string; state: string };
		const mismatches: [string, (results: Result[]) => Result[], string][] = [
			['renamed', (results) => results.map((result) => ({ ...result, identifier: `x-${result.identifier}` })), 'an identifier the request did not hold'],
			['left out', (results) => results.map(({ identifier: _, ...result }) => result), 'no identifier'],
			['repeated', (results) => results.map((result) => ({ ...result, identifier: results[0]?.identifier })), 'a repeated identifier'],
			['missing', (results) => results.slice(1), 'answered for 1 of the 2 entries'],
		];
		for (const [name, rewrite, message] of mismatches) {
			fake.inject({ kind: 'rewrite', rewrite: (answer) => rewrite(answer as Result[]) });
			const failure = await client()
				.putProfiles([entry(`a-${name}@example.com`), entry(`b-${name}@example.com`)])
				.catch((error: unknown) => error);
			expect(failure, name).toBeInstanceOf(BlueConicAnswerError);
			expect((failure as Error).message, name).toContain(message);
			// BlueConic stored them; we cannot tell which state is whose, so the caller sends them again.
			expect(fake.profiles.has(`a-${name}@example.com`)).toBe(true);
		}
		expect(profileWrites(fake)).toHaveLength(mismatches.length);
	});

	it('sends at most 1000 entries per request', async () => {
		const results = await client().putProfiles(entries(2_500));
		expect(profileWrites(fake).map((request) => (request.body as unknown[]).length)).toEqual([1000, 1000, 500]);
		expect(results).toHaveLength(2_500);
		expect(fake.profiles.size).toBe(2_500);
	});

	it('splits a batch in halves when BlueConic answers 413, losing and duplicating nothing', async () => {
		fake.inject({ kind: 'status', status: 413, when: (request) => (request.body as unknown[]).length > 250 });
		fake.inject({ kind: 'status', status: 413, when: (request) => (request.body as unknown[]).length > 250 });
		const results = await client().putProfiles(entries(1_000));
		expect(profileWrites(fake).map((request) => [(request.body as unknown[]).length, request.status])).toEqual([
			[1000, 413],
			[500, 413],
			[250, 200],
			[250, 200],
			[500, 200],
		]);
		expect(results.map((result) => result.identifier)).toEqual(entries(1_000).map((item) => item.identifier));
		expect(fake.acceptedEntries).toHaveLength(1_000);
		expect(new Set(fake.acceptedEntries.map((accepted) => accepted.email)).size).toBe(1_000);
	});

	it('passes objectiveIds through and surfaces CONSENT_MISMATCH per entry', async () => {
		fake.setConsentedObjectives('yes@example.com', ['marketing', 'analytics']);
		fake.setConsentedObjectives('partly@example.com', ['analytics']);
		const results = await client().putProfiles([entry('yes@example.com'), entry('partly@example.com')], {
			objectiveIds: ['marketing', 'analytics'],
		});
		expect(profileWrites(fake)[0]?.query).toEqual({ objectiveIds: 'marketing,analytics' });
		expect(results.map((result) => result.state)).toEqual(['CREATED', 'CONSENT_MISMATCH']);
		expect(fake.profiles.has('partly@example.com')).toBe(false);
	});

	it('reports a 400 as a request error naming the fields BlueConic complained about, without retrying', async () => {
		fake.inject({
			kind: 'status',
			status: 400,
			body: { code: 'INVALID_PROPERTY', message: 'Unknown property', errors: [{ field: 'properties[1].id', message: 'no such property' }] },
		});
		const failure = await client().putProfiles(entries(1)).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(BlueConicRequestError);
		expect(failure).toMatchObject({ status: 400, code: 'INVALID_PROPERTY', fieldErrors: [{ field: 'properties[1].id', message: 'no such property' }] });
		expect(profileWrites(fake)).toHaveLength(1);
	});

	it('keeps a 400 that lists thousands of long field errors to a bounded few', async () => {
		const errors = Array.from({ length: 5_000 }, (_, index) => ({ field: `f${index}${'.'.repeat(500)}`, message: 'm'.repeat(5_000) }));
		fake.inject({ kind: 'status', status: 400, body: { code: 'INVALID', message: 'z'.repeat(10_000), errors } });
		const failure = (await client().putProfiles(entries(1)).catch((error: unknown) => error)) as BlueConicRequestError;
		expect(failure.fieldErrors).toHaveLength(20);
		expect(JSON.stringify(failure.fieldErrors).length + failure.message.length).toBeLessThan(10_000);
	});

	it('refuses two entries with one identifier, since their answers could not be told apart', async () => {
		await expect(client().putProfiles([entry('a@example.com'), entry('a@example.com')])).rejects.toThrow('share the identifier');
		expect(profileWrites(fake)).toHaveLength(0);
	});

	it('checks its options when created', () => {
		expect(() => client({ config: blueconicConfigFor(fake, { baseUrl: `${fake.url}/` }) })).toThrow('trailing slash');
		expect(() => client({ batchSize: 1_001 })).toThrow('batchSize');
		expect(() => client({ retry: { maxAttempts: 0 } })).toThrow('retry.maxAttempts');
	});
});
