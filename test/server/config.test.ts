import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { configProblemsOf } from './config-problems.js';

const minimal = { session: { validate: { type: 'memory' } }, sites: '*' };


describe('parseConfig', () => {
	it('applies the documented defaults', () => {
		const config = parseConfig(minimal, {});
		expect(config.session.cookieName).toBe('blaize_session');
		expect(config.segments).toEqual({
			ttlSeconds: 1800,
			maxSessions: 1_000_000,
			maxPerSession: 200,
			maxIdLength: 200,
			postsPerMinute: 60,
			maxBytes: 256 * 1024 * 1024,
			source: 'browser',
			anonymous: 'browser',
			blueconic: {
				profileTtlSeconds: 3600,
				noProfileTtlSeconds: 60,
				segmentsTtlSeconds: 300,
				lookupWaitMs: 500,
				maxConcurrentRequests: 8,
				requestsPerSecond: 20,
				maxProfiles: 100_000,
				maxBytes: 64 * 1024 * 1024,
			},
		});
		expect(config.apiKeys).toEqual([]);
		expect(config.featuredSegments).toEqual({});
	});

	it('takes the example configuration of the design card', () => {
		const config = parseConfig(
			{
				session: {
					cookieName: 'blaize_session',
					validate: { type: 'http', url: 'https://publisher.example.com/blaize/account', cacheSeconds: 60 },
				},
				sites: [{ host: 'www.example.com', origins: ['https://www.example.com'], active: true }],
				apiKeys: ['env:BRIDGE_API_KEY'],
				segments: { ttlSeconds: 1800, maxSessions: 1000000, maxPerSession: 200 },
				featuredSegments: { seg1: 'Segment 1', seg2: 'Segment 2' },
				blueconic: {
					baseUrl: 'https://tenant.blueconic.net',
					clientId: 'env:BLUECONIC_CLIENT_ID',
					clientSecret: 'env:BLUECONIC_CLIENT_SECRET',
				},
				profileMapping: {
					emailPropertyId: 'email',
					trackingIdPropertyId: 'zephr_tracking_id',
					attributes: [{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'TEXT' } }],
				},
			},
			{ BRIDGE_API_KEY: 'k'.repeat(20), BLUECONIC_CLIENT_ID: 'client', BLUECONIC_CLIENT_SECRET: 'secret' },
		);
		expect(config.apiKeys).toEqual(['k'.repeat(20)]);
		expect(config.blueconic).toMatchObject({ clientId: 'client', clientSecret: 'secret', timeoutMs: 10_000 });
		expect(config.profileMapping?.attributes[0]?.blueconic.type).toBe('TEXT');
	});

	it('names a missing environment variable with the field it was for', () => {
		expect(configProblemsOf({ ...minimal, apiKeys: ['env:NOT_SET'] })).toEqual(['apiKeys[0]: environment variable NOT_SET is not set']);
	});

	it('accepts consumerKey and consumerSecret as aliases of clientId and clientSecret', () => {
		const config = parseConfig({ ...minimal, blueconic: { baseUrl: 'https://t.blueconic.net/', consumerKey: 'ck', consumerSecret: 'cs' } }, {});
		expect(config.blueconic).toMatchObject({ baseUrl: 'https://t.blueconic.net', clientId: 'ck', clientSecret: 'cs' });
		expect(configProblemsOf({ ...minimal, blueconic: { baseUrl: 'https://t.blueconic.net' } })).toEqual([
			'blueconic.clientId: is required (or consumerKey)',
			'blueconic.clientSecret: is required (or consumerSecret)',
		]);
	});

	it('takes featured segments and the attribute mapping as JSON text, as the reproduced settings screen does', () => {
		const config = parseConfig(
			{
				...minimal,
				featuredSegments: '{"seg1": "Segment 1", "seg2": "Segment 2"}',
				profileMapping: {
					attributes: '[{"zephrAttributeId": "dob", "blueconic": {"profilePropertyId": "birthdate", "type": "Date time"}}]',
				},
			},
			{},
		);
		expect(config.featuredSegments).toEqual({ seg1: 'Segment 1', seg2: 'Segment 2' });
		expect(config.profileMapping?.attributes).toEqual([
			{ zephrAttributeId: 'dob', blueconic: { profilePropertyId: 'birthdate', type: 'DATETIME' } },
		]);
	});

	it('accepts BlueConic type names from the UI and the REST API in any case', () => {
		const types = ['text', 'SELECT', 'Email address', 'EMAIL', 'number', 'RANGE', 'Decimal', 'currency', 'Date time', 'DATETIME'];
		const config = parseConfig(
			{
				...minimal,
				profileMapping: {
					attributes: types.map((type, i) => ({ zephrAttributeId: `a${i}`, blueconic: { profilePropertyId: `p${i}`, type } })),
				},
			},
			{},
		);
		expect(config.profileMapping?.attributes.map((a) => a.blueconic.type)).toEqual([
			'TEXT', 'TEXT', 'EMAIL', 'EMAIL', 'NUMBER', 'NUMBER', 'DECIMAL', 'CURRENCY', 'DATETIME', 'DATETIME',
		]);
	});

	it('reports every problem at once, each with its path', () => {
		expect(
			configProblemsOf({
				session: { cookieName: 'bad name', validate: { type: 'ldap' } },
				sites: [{ host: '', origins: ['https://ok.example', 'ftp://x.example', 'https://x.example/'] }],
				segments: { maxPerSession: 0, ttlSeconds: 1.5 },
				apiKeys: ['short'],
				profileMapping: { attributes: [{ zephrAttributeId: 'a', blueconic: { profilePropertyId: 'b', type: 'boolean-ish' } }] },
				unknownField: true,
			}),
		).toEqual([
			'session.cookieName: must be a valid cookie name',
			'session.validate.type: must be "http", "signed" or "memory"',
			'sites[0].host: must not be empty',
			'sites[0].origins[1]: must be an https or http origin, like https://www.example.com',
			'sites[0].origins[2]: must be an https or http origin, like https://www.example.com',
			'apiKeys[0]: must be at least 16 characters',
			'segments.ttlSeconds: must be a whole number',
			'segments.maxPerSession: must be greater than 0',
			expect.stringMatching(/^profileMapping\.attributes\[0\]\.blueconic\.type: must be a BlueConic property type/),
			'unknownField: is not a known field',
		]);
	});

	it('never puts a secret value in an error', () => {
		const problems = configProblemsOf(
			{ ...minimal, session: { validate: { type: 'signed', secret: 'env:SECRET' } }, apiKeys: ['env:KEY'] },
			{ SECRET: 'too-short', KEY: 'also-short' },
		);
		expect(problems.join('\n')).not.toMatch(/too-short|also-short/);
		expect(problems).toEqual(['session.validate.secret: must be at least 16 characters', 'apiKeys[0]: must be at least 16 characters']);
	});
});
