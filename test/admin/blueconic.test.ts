import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { errorCode } from '../server/http-client.js';
import { type ConsoleCollector, consolePath, startConsoleCollector } from './console-fixture.js';

const api = `${consolePath}/api/blueconic`;

describe('the console and BlueConic', () => {
	let fake: FakeBlueConic;
	let collector: ConsoleCollector;
	beforeAll(async () => {
		fake = await startFakeBlueConic({ clientId: 'console-client', clientSecret: 'console-secret-0123' });
	});
	afterAll(() => fake.close());
	afterEach(() => collector?.stop({ drain: false }));

	/** `null`: without a blueconic section. */
	async function start(blueconic: Record<string, unknown> | null = { baseUrl: fake.url, clientId: 'console-client', clientSecret: 'console-secret-0123' }) {
		collector = await startConsoleCollector(blueconic === null ? {} : { blueconic: blueconic as never });
		await collector.signIn();
		return collector;
	}

	describe('test connection', () => {
		it('says BlueConic issued a token, with the kept secret, requesting the console scopes', async () => {
			const console = await start();
			const answer = await console.write('POST', `${api}/test-connection`, { baseUrl: fake.url, clientId: 'console-client', clientSecret: { keep: true } });
			expect(answer.status).toBe(200);
			expect(answer.json).toEqual({ ok: true, message: 'BlueConic issued a token (expires in 3600 s)' });
			const tokenRequest = fake.requests.filter(({ path }) => path === '/rest/v2/oauth/token').at(-1);
			expect(tokenRequest?.body).toMatchObject({ grant_type: 'client_credentials', client_id: 'console-client', scope: 'read:segments read:profile-properties' });
			expect(answer.text).not.toContain('console-secret-0123');
		});

		it('tests another address only with credentials typed in, never the kept secret or an env: value', async () => {
			const console = await start();
			for (const clientSecret of [{ keep: true }, 'env:PATH']) {
				const answer = await console.write('POST', `${api}/test-connection`, { baseUrl: 'http://127.0.0.1:9', clientId: 'console-client', clientSecret });
				expect(answer.status).toBe(400);
				expect(errorCode(answer)).toBe('credentials_required');
			}
		});

		it('says exactly what BlueConic answered to wrong credentials', async () => {
			const console = await start();
			const answer = await console.write('POST', `${api}/test-connection`, { baseUrl: fake.url, clientId: 'console-client', clientSecret: 'a-wrong-secret' });
			expect(answer.json).toEqual({ ok: false, status: 401, message: 'BlueConic answered 401 invalid_client: Client authentication failed' });
			expect(answer.text).not.toContain('a-wrong-secret');
		});

		it('says when BlueConic cannot be reached: a host name that does not resolve', async () => {
			const console = await start();
			const dns = await console.write('POST', `${api}/test-connection`, { baseUrl: 'http://bcb-console-test.invalid', clientId: 'x', clientSecret: 'y' });
			expect(dns.json).toMatchObject({ ok: false, status: null });
			expect((dns.json as { message: string }).message).toMatch(/bcb-console-test\.invalid.*could not be resolved \(DNS (ENOTFOUND|EAI_AGAIN)\)/);
		});

		it('says when BlueConic does not answer in time', async () => {
			const console = await start({ baseUrl: fake.url, clientId: 'console-client', clientSecret: 'console-secret-0123', timeoutMs: 300 });

			let release = () => {};
			const released = new Promise<void>((resolve) => {
				release = resolve;
			});
			fake.inject({ kind: 'delay', delayMs: 10_000, release: released, target: 'token' });
			const timeout = await console.write('POST', `${api}/test-connection`, { baseUrl: fake.url, clientId: 'console-client', clientSecret: { keep: true } });
			release();
			expect(timeout.json).toMatchObject({ ok: false, status: null });
			expect((timeout.json as { message: string }).message).toContain('timeout');
		});

		it('refuses a baseUrl that is not an http(s) URL', async () => {
			const console = await start();
			const answer = await console.write('POST', `${api}/test-connection`, { baseUrl: 'tenant.blueconic.net', clientId: 'a', clientSecret: 'b' });
			expect(answer.status).toBe(400);
		});
	});

	describe('segments', () => {
		const segments = Array.from({ length: 230 }, (_, index) => ({
			id: `seg-${index}`,
			name: index % 10 === 0 ? `Sports fans ${index}` : `Segment ${index}`,
			description: `segment number ${index}`,
		}));

		it('lists every page of BlueConic segments, searchable by name, paged, cached briefly', async () => {
			fake.setCatalogSegments(segments);
			const console = await start();
			const before = fake.requests.length;
			const first = await console.request(`${api}/segments`);
			expect(first.status).toBe(200);
			expect(first.json).toMatchObject({ page: 1, pageSize: 50, total: 230 });
			const listed = (first.json as { segments: unknown[] }).segments;
			expect(listed).toHaveLength(50);
			expect(listed[0]).toEqual({ id: 'seg-0', name: 'Sports fans 0', description: 'segment number 0' });
			const pageReads = fake.requests.slice(before).filter(({ path }) => path === '/rest/v2/segments');
			expect(pageReads.map(({ query }) => query.startIndex)).toEqual(['0', '100', '200']);

			const last = await console.request(`${api}/segments?page=5`);
			expect((last.json as { segments: { id: string }[] }).segments.map(({ id }) => id)).toEqual(segments.slice(200).map(({ id }) => id));
			const search = await console.request(`${api}/segments?search=SPORTS`);
			expect(search.json).toMatchObject({ total: 23, page: 1 });
			expect((search.json as { segments: { name: string }[] }).segments.every(({ name }) => name.startsWith('Sports fans'))).toBe(true);
			// One read served all three answers.
			expect(fake.requests.slice(before).filter(({ path }) => path === '/rest/v2/segments')).toHaveLength(3);
		});

		it('answers 409 blueconic_not_configured without a blueconic section', async () => {
			const console = await start(null);
			const answer = await console.request(`${api}/segments`);
			expect(answer.status).toBe(409);
			expect(errorCode(answer)).toBe('blueconic_not_configured');
		});

		it('answers 502 blueconic_unavailable saying what BlueConic answered', async () => {
			const console = await start();
			fake.inject({ kind: 'status', status: 500, body: { code: 'INTERNAL', message: 'segment service down', errors: [] }, target: 'catalogs' });
			const answer = await console.request(`${api}/segments`);
			expect(answer.status).toBe(502);
			expect(errorCode(answer)).toBe('blueconic_unavailable');
			expect((answer.json as { error: { message: string } }).error.message).toBe('BlueConic answered 500 to GET /rest/v2/segments: INTERNAL segment service down');
		});

		it('answers 502 when BlueConic refuses the credentials', async () => {
			const console = await start({ baseUrl: fake.url, clientId: 'console-client', clientSecret: 'not-the-secret' });
			const answer = await console.request(`${api}/segments`);
			expect(answer.status).toBe(502);
			expect((answer.json as { error: { message: string } }).error.message).toContain('invalid_client');
			expect(answer.text).not.toContain('not-the-secret');
		});
	});

	describe('check mapping', () => {
		it('finds missing properties and type mismatches, BlueConic REST type names read as the schema reads them', async () => {
			fake.setProfileProperties([
				{ id: 'email', filterType: 'EMAIL' },
				{ id: 'zephr_tracking_id', filterType: 'SELECT' },
				{ id: 'firstname', filterType: 'SELECT' },
				{ id: 'age', filterType: 'RANGE' },
				{ id: 'income', filterType: 'CURRENCY' },
				...Array.from({ length: 150 }, (_, index) => ({ id: `filler-${index}`, filterType: 'SELECT' })),
			]);
			const console = await start();
			const answer = await console.write('POST', `${api}/check-mapping`, {
				profileMapping: {
					emailPropertyId: 'email',
					trackingIdPropertyId: 'zephr_tracking_id',
					attributes: [
						{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'Text' } },
						{ zephrAttributeId: 'age', blueconic: { profilePropertyId: 'age', type: 'TEXT' } },
						{ zephrAttributeId: 'years', blueconic: { profilePropertyId: 'age', type: 'Number' } },
						{ zephrAttributeId: 'shoe', blueconic: { profilePropertyId: 'shoe_size', type: 'NUMBER' } },
					],
				},
			});
			expect(answer.status).toBe(200);
			expect(answer.json).toEqual({
				properties: 155,
				findings: [
					{
						path: 'profileMapping.attributes[1].blueconic.profilePropertyId',
						propertyId: 'age',
						problem: 'type_mismatch',
						message: expect.stringContaining('RANGE'),
						expected: 'TEXT',
						actual: 'RANGE',
					},
					{ path: 'profileMapping.attributes[3].blueconic.profilePropertyId', propertyId: 'shoe_size', problem: 'missing', message: expect.any(String) },
				],
			});
			const pages = fake.requests.filter(({ path }) => path === '/rest/v2/profileProperties');
			expect(pages.map(({ query }) => query.startIndex)).toEqual(['0', '100']);
		});

		it('checks the email and tracking-id properties too', async () => {
			fake.setProfileProperties([{ id: 'mail', filterType: 'RANGE' }]);
			const console = await start({ baseUrl: fake.url, clientId: 'console-client', clientSecret: 'console-secret-0123', scope: 'write:profiles' });
			const answer = await console.write('POST', `${api}/check-mapping`, { profileMapping: { emailPropertyId: 'mail', trackingIdPropertyId: 'tid' } });
			expect((answer.json as { findings: unknown[] }).findings).toEqual([
				{ path: 'profileMapping.emailPropertyId', propertyId: 'mail', problem: 'type_mismatch', message: expect.any(String), expected: 'EMAIL or TEXT', actual: 'RANGE' },
				{ path: 'profileMapping.trackingIdPropertyId', propertyId: 'tid', problem: 'missing', message: expect.any(String) },
			]);
		});
	});
});

describe('the fake BlueConic catalogs', () => {
	it('refuse a token without their scope, page as BlueConic pages, and need a token', async () => {
		const fake = await startFakeBlueConic({ segments: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }, { id: 'c', name: 'C' }] });
		try {
			const token = async (scope: string) => {
				const answer = await fetch(`${fake.url}/rest/v2/oauth/token`, {
					method: 'POST',
					headers: { 'content-type': 'application/x-www-form-urlencoded' },
					body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'test-client', client_secret: 'test-secret', scope }),
				});
				return ((await answer.json()) as { access_token: string }).access_token;
			};
			const get = async (path: string, accessToken?: string) => {
				const answer = await fetch(`${fake.url}${path}`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
				return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
			};
			expect((await get('/rest/v2/segments')).status).toBe(401);
			expect((await get('/rest/v2/segments', await token('read:profile-properties'))).status).toBe(403);
			const page = await get('/rest/v2/segments?startIndex=1&count=1', await token('read:segments'));
			expect(page).toEqual({
				status: 200,
				body: {
					itemsPerPage: 1,
					segments: [{ id: 'b', name: 'B', description: '', tags: [], profileCount: 0, creationDate: expect.any(String) }],
					startIndex: 1,
					totalPages: 3,
					totalResults: 3,
				},
			});
			const properties = await get('/rest/v2/profileProperties', await token('read:profile-properties'));
			expect(properties.body).toMatchObject({ totalResults: 2, profileProperties: [{ id: 'email', filterType: 'EMAIL' }, { id: 'zephr_tracking_id', filterType: 'SELECT' }] });
		} finally {
			await fake.close();
		}
	});
});
