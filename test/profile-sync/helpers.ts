import { Registry } from 'prom-client';
import type { BackoffPolicy } from '../../server/utils/backoff.js';
import type { BlueConicConfig, ProfileMappingConfig } from '../../server/config/schema.js';
import type { FakeBlueConic } from '../fakes/blueconic-rest.js';

/** Retries in milliseconds, not seconds, so failure-path tests stay fast. */
export const fastRetry: BackoffPolicy = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 3_000 };

export function blueconicConfigFor(fake: FakeBlueConic, overrides: Partial<BlueConicConfig> = {}): BlueConicConfig {
	return { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'test-secret', scope: undefined, timeoutMs: 10_000, retry: fastRetry, ...overrides };
}

export const profileMapping: ProfileMappingConfig = {
	emailPropertyId: 'email',
	trackingIdPropertyId: 'zephr_tracking_id',
	attributes: [
		{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'TEXT' } },
		{ zephrAttributeId: 'age', blueconic: { profilePropertyId: 'age', type: 'NUMBER' } },
		{ zephrAttributeId: 'newsletter', blueconic: { profilePropertyId: 'newsletter', type: 'TEXT' } },
		{ zephrAttributeId: 'signed-up', blueconic: { profilePropertyId: 'signup_date', type: 'DATETIME' } },
		{ zephrAttributeId: 'score', blueconic: { profilePropertyId: 'score', type: 'DECIMAL' } },
	],
};

/** The value of one counter series on a registry, 0 when it was never incremented. */
export async function counterValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
	const metric = registry.getSingleMetric(name);
	if (!metric) return 0;
	const { values } = await metric.get();
	const match = values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label));
	return match?.value ?? 0;
}

export function newRegistry(): Registry {
	return new Registry();
}

/** PUT /rest/v2/profiles requests the fake received (answered or not). */
export function profileWrites(fake: FakeBlueConic) {
	return fake.requests.filter((request) => request.method === 'PUT' && request.path === '/rest/v2/profiles');
}

export function tokenRequests(fake: FakeBlueConic) {
	return fake.requests.filter((request) => request.path === '/rest/v2/oauth/token');
}
