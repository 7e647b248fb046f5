import { randomBytes } from 'node:crypto';
import type { CollectorConfigInput } from '../server/index.js';

export const sessionCookieName = 'blaize_session';

/** The demo's featured segments: the ones a publisher's rule editor would pick from. */
export const featuredSegments = {
	'sports-fans': 'Sports fans',
	'premium-prospects': 'Premium prospects',
};

/** The segments the demo's stand-in BlueConic lists, for the console's segment picker. */
export const blueconicSegments = [
	{ id: 'sports-fans', name: 'Sports fans', description: 'Read the sports section at least weekly' },
	{ id: 'premium-prospects', name: 'Premium prospects', description: 'Hit the paywall three times this month' },
	{ id: 'tech-readers', name: 'Tech readers', description: 'Most read articles are in technology' },
	{ id: 'weekend-readers', name: 'Weekend readers', description: 'Visit mostly on Saturdays and Sundays' },
	{ id: 'newsletter-subscribers', name: 'Newsletter subscribers' },
	{ id: 'churn-risk', name: 'Churn risk', description: 'Subscribers whose visits dropped by half' },
];

/** The stand-in BlueConic the demo runs in-process, so the console can list segments and test the connection. */
export interface DemoBlueConic {
	baseUrl: string;
	clientId: string;
	clientSecret: string;
}

export interface DemoCollectorConfig {
	config: CollectorConfigInput;
	/** The demo site's own backend calls. */
	apiKey: string;
	/** Signs in to the admin console; printed at start. */
	adminKey: string;
}

/**
 * The collector's configuration for the demo: sessions made in-process at sign-in, the hosts a browser may use
 * to reach the demo, a fresh API key and admin key per run, and the stand-in BlueConic when there is one.
 */
export function demoCollectorConfig(hosts: readonly string[], blueconic?: DemoBlueConic): DemoCollectorConfig {
	const apiKey = randomBytes(24).toString('base64url');
	const adminKey = randomBytes(24).toString('base64url');
	return {
		apiKey,
		adminKey,
		config: {
			session: { cookieName: sessionCookieName, validate: { type: 'memory', ttlSeconds: 8 * 3600 } },
			sites: [...new Set(hosts)].map((host) => ({ host })),
			apiKeys: [apiKey],
			adminKeys: [adminKey],
			featuredSegments,
			...(blueconic && {
				blueconic,
				profileMapping: {
					emailPropertyId: 'email',
					trackingIdPropertyId: 'zephr_tracking_id',
					attributes: [{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'TEXT' } }],
				},
			}),
		},
	};
}
