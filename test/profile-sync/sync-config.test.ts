import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { parseSyncConfig } from '../../server/config/sync-config.js';
import { isConfigError } from '../../server/errors/config-error.js';

const blueconic = { baseUrl: 'https://tenant.blueconic.net/', clientId: 'env:BC_ID', clientSecret: 'env:BC_SECRET' };
const env = { BC_ID: 'client', BC_SECRET: 'secret' };
const profileMapping = { emailPropertyId: 'mail', attributes: [{ zephrAttributeId: 'age', blueconic: { profilePropertyId: 'age', type: 'Number' } }] };

function problemsOf(parse: () => unknown): readonly string[] {
	try {
		parse();
	} catch (error) {
		if (isConfigError(error)) return error.problems;
		throw error;
	}
	return [];
}

describe('parseSyncConfig', () => {
	it('needs only blueconic and profileMapping, validated as serve validates them', () => {
		expect(parseSyncConfig({ blueconic, profileMapping }, env)).toEqual({
			blueconic: { baseUrl: 'https://tenant.blueconic.net', clientId: 'client', clientSecret: 'secret', timeoutMs: 10_000, scope: undefined, retry: expect.any(Object) },
			profileMapping: { emailPropertyId: 'mail', attributes: [{ zephrAttributeId: 'age', blueconic: { profilePropertyId: 'age', type: 'NUMBER' } }] },
			profileSync: {
				objectiveIds: [],
				maxUsersPerRequest: 10_000,
				minRetryAfterSeconds: 30,
				worker: true,
				queue: { retry: { maxAttempts: 20, baseDelayMs: 1_000, maxDelayMs: 600_000 }, batchLingerMs: 50, batchesInFlight: 2, stalledAfterSeconds: 30 },
			},
		});
		// serve, on the same file, still wants its own sections.
		expect(problemsOf(() => parseConfig({ blueconic, profileMapping }, env))).toEqual(expect.arrayContaining([expect.stringMatching(/^session: /), expect.stringMatching(/^sites: /)]));
	});

	it("takes the collector's file as is, without checking or resolving the sections it does not read", () => {
		const collectorFile = {
			session: { validate: { type: 'http', url: 'env:ACCOUNT_URL' } },
			sites: '*',
			apiKeys: ['env:BRIDGE_API_KEY'],
			store: { type: 'redis', url: 'env:REDIS_URL' },
			blueconic,
			profileMapping,
			profileSync: { consentAttribute: 'bc-consent' },
		};
		const config = parseSyncConfig(collectorFile, env);
		expect(config.profileSync.consentAttribute).toBe('bc-consent');
		expect(Object.keys(config)).toEqual(['blueconic', 'profileMapping', 'profileSync']);
	});

	it('names every problem in the sections it reads, and refuses fields serve does not know either', () => {
		expect(problemsOf(() => parseSyncConfig({ profileMapping }, env))).toEqual(['blueconic: is required to sync profiles']);
		expect(problemsOf(() => parseSyncConfig({ blueconic, profileMaping: profileMapping }, env))).toEqual(['profileMaping: is not a known field']);
		expect(problemsOf(() => parseSyncConfig({ blueconic }, { BC_ID: 'client' }))).toEqual(['blueconic.clientSecret: environment variable BC_SECRET is not set']);
		expect(problemsOf(() => parseSyncConfig({ blueconic, profileSync: { minRetryAfterSeconds: 301 } }, env))).toEqual([
			'profileSync.minRetryAfterSeconds: must be at most 300, the longest Retry-After the collector sends',
		]);
		expect(problemsOf(() => parseSyncConfig([blueconic], env))).toEqual([expect.stringMatching(/^\(root\): /)]);
	});
});
