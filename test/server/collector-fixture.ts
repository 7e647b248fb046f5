import type { Agent } from 'node:http';
import { type Collector, type CollectorOptions, createCollector } from '../../server/app.js';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { listen, type RunningCollector } from '../../server/listen.js';
import { createLogger } from '../../server/logger.js';
import { send, type TestResponse } from './http-client.js';

export const apiKey = 'test-api-key-0123456789';

/** A config for tests: memory sessions, one active site `www.publisher.test` and one inactive one. */
export function testConfig(overrides: Partial<CollectorConfigInput> = {}): CollectorConfigInput {
	return {
		session: { validate: { type: 'memory' } },
		sites: [
			{ host: 'www.publisher.test', origins: ['https://www.publisher.test', 'http://app.publisher.test:8080'] },
			{ host: 'old.publisher.test', active: false },
		],
		apiKeys: [apiKey],
		featuredSegments: { sports: 'Sports fans', premium: 'Premium prospects' },
		...overrides,
	};
}

export interface StartedCollector extends RunningCollector {
	collector: Collector;
	/** Base URL; requests must also send `Host: www.publisher.test` to reach the active site. */
	url: string;
}

export async function startCollector(
	config: CollectorConfigInput = testConfig(),
	options: CollectorOptions = {},
): Promise<StartedCollector> {
	const collector = createCollector(config, { logger: createLogger('silent'), ...options });
	const running = await listen(collector, { port: 0, host: '127.0.0.1' });
	return { ...running, collector };
}

/**
 * Posts a segment report as the SDK does, on the test config's site (`Host: www.publisher.test`), with
 * `cookieValue` as the session cookie; `headers` add to or replace the defaults. Resolves with the answer.
 */
export function reportSegments(
	baseUrl: string,
	cookieValue: string,
	segmentIds: readonly string[],
	headers: Record<string, string> = {},
): Promise<TestResponse> {
	return send(`${baseUrl}/plugins/public/blueconic/segments`, {
		method: 'POST',
		body: JSON.stringify(segmentIds),
		headers: { host: 'www.publisher.test', 'content-type': 'application/json', cookie: `blaize_session=${cookieValue}`, ...headers },
	});
}

/**
 * Asks the browser decision lookup (`query`: `segment=...`, `featured=...`, `wait=...`) as a page would, on the
 * test config's site, with `cookieValue` as the session cookie; `headers` add to or replace the defaults.
 */
export function askDecision(
	baseUrl: string,
	cookieValue: string,
	query: string,
	{ headers = {}, agent }: { headers?: Record<string, string>; agent?: Agent } = {},
): Promise<TestResponse> {
	return send(`${baseUrl}/plugins/public/blueconic/decision?${query}`, {
		agent,
		headers: { host: 'www.publisher.test', cookie: `blaize_session=${cookieValue}`, ...headers },
	});
}
