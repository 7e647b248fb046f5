import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { entry } from './helpers.js';

/** The fake's own contract, which the profile-sync tests rely on. */
describe('fake BlueConic REST server', () => {
	let fake: FakeBlueConic;
	beforeEach(async () => {
		fake = await startFakeBlueConic({ tokenLifetimeSeconds: 120 });
	});
	afterEach(() => fake.close());

	async function token(init: RequestInit = {}): Promise<Response> {
		return fetch(`${fake.url}/rest/v2/oauth/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: 'grant_type=client_credentials&client_id=test-client&client_secret=test-secret',
			...init,
		});
	}

	async function bearer(): Promise<string> {
		return ((await (await token()).json()) as { access_token: string }).access_token;
	}

	async function put(body: unknown, accessToken?: string, query = ''): Promise<Response> {
		return fetch(`${fake.url}/rest/v2/profiles${query}`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
			body: JSON.stringify(body),
		});
	}

	it('issues expiring tokens for client credentials sent as form fields or HTTP Basic', async () => {
		const form = await token();
		expect(form.status).toBe(200);
		expect(await form.json()).toMatchObject({ token_type: 'Bearer', expires_in: 120, access_token: expect.any(String) });
		const basic = await token({
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				authorization: `Basic ${Buffer.from('test-client:test-secret').toString('base64')}`,
			},
			body: 'grant_type=client_credentials',
		});
		expect(basic.status).toBe(200);
	});

	it('answers the documented OAuth errors', async () => {
		const wrongGrant = await token({ body: 'grant_type=password&client_id=test-client&client_secret=test-secret' });
		expect([wrongGrant.status, await wrongGrant.json()]).toEqual([400, expect.objectContaining({ error: 'unsupported_grant_type' })]);
		const wrongSecret = await token({ body: 'grant_type=client_credentials&client_id=test-client&client_secret=nope' });
		expect([wrongSecret.status, await wrongSecret.json()]).toEqual([401, expect.objectContaining({ error: 'invalid_client' })]);
	});

	it('requires a valid, unexpired bearer token for profiles', async () => {
		expect((await put([entry('a@example.com')])).status).toBe(401);
		expect((await put([entry('a@example.com')], 'made-up')).status).toBe(401);
		const accessToken = await bearer();
		fake.expireTokens();
		expect((await put([entry('a@example.com')], accessToken)).status).toBe(401);
	});

	it('refuses more than 1000 entries with 413 and a malformed body with 400 naming the fields', async () => {
		const accessToken = await bearer();
		const tooMany = Array.from({ length: 1001 }, (_, index) => entry(`u${index}@example.com`));
		expect((await put(tooMany, accessToken)).status).toBe(413);
		const malformed = await put([{ matching: [[{ id: 'email', value: 1 }]], properties: [{ id: 'email', values: [1], strategy: 'SET' }] }], accessToken);
		expect(malformed.status).toBe(400);
		expect(await malformed.json()).toEqual({
			code: 'INVALID_REQUEST',
			message: 'The request body is not valid',
			errors: [
				{ field: '[0].matching[0][0]', message: 'must be {"id","value"} strings' },
				{ field: '[0].properties[0].values', message: 'must be an array of strings' },
				{ field: '[0].strategy', message: 'must be one of UPSERT, UPDATE, CREATE' },
			],
		});
		expect(fake.profiles.size).toBe(0);
	});

	it('matches with OR over the outer array and AND over the inner one', async () => {
		const accessToken = await bearer();
		await put([entry('a@example.com', { crm_id: '42' })], accessToken);
		const byAnd = {
			matching: [[{ id: 'email', value: 'a@example.com' }, { id: 'crm_id', value: '41' }], [{ id: 'crm_id', value: '42' }]],
			properties: [{ id: 'city', values: ['Oslo'], strategy: 'SET' }],
			strategy: 'UPDATE',
			identifier: 'x',
		};
		expect(await (await put([byAnd], accessToken)).json()).toEqual([expect.objectContaining({ state: 'MODIFIED', identifier: 'x' })]);
		const noMatch = { ...byAnd, matching: [[{ id: 'email', value: 'a@example.com' }, { id: 'crm_id', value: '41' }]] };
		expect(await (await put([noMatch], accessToken)).json()).toEqual([expect.objectContaining({ state: 'NOTFOUND' })]);
		expect(fake.profiles.get('a@example.com')?.properties).toEqual({ email: ['a@example.com'], crm_id: ['42'], city: ['Oslo'] });
	});

	it('finds profiles by property value', async () => {
		const accessToken = await bearer();
		await put([entry('a@example.com'), entry('b@example.com')], accessToken);
		const response = await fetch(`${fake.url}/rest/v2/profiles?property=email&value=b%40example.com`, {
			headers: { authorization: `Bearer ${accessToken}` },
		});
		expect(await response.json()).toEqual({
			profiles: [{ id: fake.profiles.get('b@example.com')?.id, properties: [{ id: 'email', values: ['b@example.com'] }] }],
			itemsPerPage: 1,
			startIndex: 0,
			totalPages: 1,
			totalResults: 1,
			total: 1,
		});
	});

	it("answers a profile's segments with expand=profile.segments", async () => {
		const accessToken = await bearer();
		const profileId = fake.setSegments('c@example.com', [{ id: 'sports', name: 'Sports fans' }]);
		const read = (query: string) =>
			fetch(`${fake.url}/rest/v2/profiles/${profileId}${query}`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.json());
		expect(await read('?expand=profile.segments')).toEqual({
			id: profileId,
			properties: [{ id: 'email', values: ['c@example.com'] }],
			segments: [{ id: 'sports', name: 'Sports fans' }],
		});
		expect(await read('')).not.toHaveProperty('segments');
	});

	it('injects failures for the next requests only', async () => {
		const accessToken = await bearer();
		const injected = fake.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '3' }, times: 2 });
		const first = await put([entry('a@example.com')], accessToken);
		expect([first.status, first.headers.get('retry-after')]).toEqual([429, '3']);
		expect((await put([entry('a@example.com')], accessToken)).status).toBe(429);
		expect(injected.remaining()).toBe(0);
		expect((await put([entry('a@example.com')], accessToken)).status).toBe(200);
	});

	it('answers a raw body as is, such as a 200 token answer whose JSON breaks off', async () => {
		fake.inject({ kind: 'status', status: 200, rawBody: '{"access_token": "abc', target: 'token' });
		const broken = await token();
		expect([broken.status, await broken.text()]).toEqual([200, '{"access_token": "abc']);
		expect(fake.stats.tokensIssued).toBe(0);
	});

	it('stores a profiles write normally and then rewrites its answer', async () => {
		const accessToken = await bearer();
		fake.inject({
			kind: 'rewrite',
			rewrite: (answer) => (answer as { identifier: string }[]).map((result) => ({ ...result, identifier: `not-${result.identifier}` })),
		});
		const rewritten = await put([entry('a@example.com')], accessToken);
		expect(await rewritten.json()).toEqual([expect.objectContaining({ state: 'CREATED', identifier: 'not-a@example.com' })]);
		expect(fake.profiles.has('a@example.com')).toBe(true);
		expect(fake.requests.at(-1)?.fault).toBe('rewrite');
		fake.inject({ kind: 'rewrite', rewrite: () => '[{"state": "CREA' });
		expect(await (await put([entry('b@example.com')], accessToken)).text()).toBe('[{"state": "CREA');
		expect(await (await put([entry('c@example.com')], accessToken)).json()).toEqual([expect.objectContaining({ identifier: 'c@example.com' })]);
	});
});
