import { type StartedCollector, startCollector } from '../server/collector-fixture.js';

export const apiKey = 'client-test-api-key-0123456789';

export interface TestCollector extends StartedCollector {
	/** A new memory session; returns its id (the cookie value). */
	createSession(): string;
	/** Reports a session's segments as the browser SDK does. */
	reportSegments(sessionId: string, segmentIds: string[]): Promise<void>;
}

/** A real collector on 127.0.0.1, port 0, with memory sessions and two featured segments. */
export async function startTestCollector(): Promise<TestCollector> {
	const running = await startCollector({
		session: { validate: { type: 'memory' } },
		sites: [{ host: '127.0.0.1' }],
		apiKeys: [apiKey],
		featuredSegments: { 'sports-fans': 'Sports fans', 'premium-prospects': 'Premium prospects' },
	});
	const sessions = running.collector.memorySessions;
	if (!sessions) throw new Error('the test collector must use memory sessions');
	return {
		...running,
		createSession: () => sessions.create({ email: 'reader@example.com' }),
		async reportSegments(sessionId, segmentIds) {
			const response = await fetch(`${running.url}/plugins/public/blueconic/segments`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', Cookie: `blaize_session=${sessionId}` },
				body: JSON.stringify(segmentIds),
			});
			if (response.status !== 204) throw new Error(`segment report answered ${response.status}: ${await response.text()}`);
		},
	};
}
