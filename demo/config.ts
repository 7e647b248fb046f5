import { randomBytes } from 'node:crypto';
import type { CollectorConfigInput } from '../server/index.js';

export const sessionCookieName = 'blaize_session';

/** The demo's featured segments: the ones a publisher's rule editor would pick from. */
export const featuredSegments = {
	'sports-fans': 'Sports fans',
	'premium-prospects': 'Premium prospects',
};

/**
 * The collector's configuration for the demo: sessions made in-process at sign-in, the hosts a browser may use
 * to reach the demo, and a fresh API key per run for the demo site's own backend calls.
 */
export function demoCollectorConfig(hosts: readonly string[]): { config: CollectorConfigInput; apiKey: string } {
	const apiKey = randomBytes(24).toString('base64url');
	return {
		apiKey,
		config: {
			session: { cookieName: sessionCookieName, validate: { type: 'memory', ttlSeconds: 8 * 3600 } },
			sites: [...new Set(hosts)].map((host) => ({ host })),
			apiKeys: [apiKey],
			featuredSegments,
		},
	};
}
