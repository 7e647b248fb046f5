import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { Registry } from 'prom-client';
import { createBlueConicSegments } from '../../server/blueconic-segments/index.js';
import { parseConfig } from '../../server/config/load.js';
import { isConfigError } from '../../server/errors/config-error.js';
import { type FakeBlueConic, type LoggedRequest, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import type { CollectorOptions } from '../../server/app.js';
import { MemorySegmentStore } from '../../server/store/memory-store.js';
import type { SegmentStore, StoreRead } from '../../server/store/segment-store.js';
import { type FakeAccountServer, startFakeAccountServer } from './fake-account-server.js';
import { apiKey, askDecision, reportSegments, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { send } from './http-client.js';

type Source = 'browser+blueconic' | 'verified';

let fake: FakeBlueConic;
let running: StartedCollector;
let account: FakeAccountServer | undefined;
/** The collector's clock for BlueConic reads, moved by tests that age cache entries. */
let clockMs = 0;

afterEach(async () => {
	await stopAll();
});

async function stopAll(): Promise<void> {
	await fake?.close();
	await running?.stop();
	await account?.close();
	account = undefined;
	(fake as unknown) = undefined;
	(running as unknown) = undefined;
}

async function start(
	source: Source,
	segments: Record<string, unknown> = {},
	blueconic: Record<string, unknown> = {},
	overrides: Partial<CollectorConfigInput> = {},
	options: CollectorOptions = {},
): Promise<void> {
	clockMs = Date.now();
	fake = await startFakeBlueConic();
	const config: CollectorConfigInput = testConfig({
		...overrides,
		blueconic: { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'test-secret', timeoutMs: 30_000 },
		// lookupWaitMs at its maximum: a decision without `wait` (token, search and segments on a loaded machine) waits
		// for BlueConic's answer; the tests about timing out set their own.
		segments: { source, ...segments, blueconic: { segmentsTtlSeconds: 300, lookupWaitMs: 3_000, ...blueconic } } as CollectorConfigInput['segments'],
	});
	running = await startCollector(config, { ...options, blueconicSegments: { now: () => clockMs } });
}

function signedIn(email: string): string {
	return running.collector.memorySessions!.create({ email });
}

function profileReads(): LoggedRequest[] {
	return fake.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/rest/v2/profiles'));
}

function decide(sessionId: string, segments: string[]) {
	return send(`${running.url}/plugins/blueconic/decide`, {
		method: 'POST',
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({ session: sessionId, nodes: segments.map((segment) => ({ type: 'manual', segment })) }),
	});
}

async function metricsText(): Promise<string> {
	return running.collector.metrics.registry.metrics();
}

describe('segments.source "browser+blueconic"', () => {
	it("answers a signed-in user's first page view yes from BlueConic before any browser post", async () => {
		await start('browser+blueconic');
		fake.setSegments('jane@example.com', [{ id: 'sports' }]);
		const session = signedIn('jane@example.com');

		expect((await askDecision(running.url, session, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'yes', source: 'blueconic' });
		expect((await decide(session, ['sports', 'golf'])).json).toEqual({
			results: [
				{ segment: 'sports', result: 'yes', source: 'blueconic' },
				{ segment: 'golf', result: 'no', source: 'blueconic' },
			],
		});
		expect(profileReads().map(({ path, query }) => [path, query])).toEqual([
			['/rest/v2/profiles', { property: 'email', value: 'jane@example.com' }],
			[expect.stringMatching(/^\/rest\/v2\/profiles\/profile-\d+$/), { expand: 'profile.segments', properties: 'email' }],
		]);

		// Once the browser has reported, its report decides, as under "browser".
		expect((await reportSegments(running.url, session, ['golf'])).status).toBe(204);
		expect((await askDecision(running.url, session, 'segment=golf')).json).toEqual({ segment: 'golf', result: 'yes', source: 'browser' });
	});

	it('decides an anonymous session from its browser report only, without asking BlueConic', async () => {
		await start('browser+blueconic');
		const session = running.collector.memorySessions!.create();
		expect((await askDecision(running.url, session, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'unknown', source: 'browser' });
		expect(profileReads()).toEqual([]);
	});

	it('keeps a decision within its wait while BlueConic does not answer, and falls back to the browser', async () => {
		await start('browser+blueconic', {}, { lookupWaitMs: 500 });
		fake.setSegments('slow@example.com', [{ id: 'sports' }]);
		fake.inject({ kind: 'delay', delayMs: 60_000, target: 'profile-reads', times: Infinity });
		const session = signedIn('slow@example.com');

		const answer = await askDecision(running.url, session, 'segment=sports&wait=200');
		expect(answer.json).toEqual({ segment: 'sports', result: 'unknown', source: 'browser' });
		// Answered while BlueConic still holds the profile search open: the decision did not wait for it.
		await expect.poll(() => profileReads().length).toBe(1);
		expect(profileReads().map(({ status }) => status)).toEqual([0]);
		// A backend decide (no wait of its own) is held to segments.blueconic.lookupWaitMs the same way.
		expect((await decide(session, ['sports'])).json).toEqual({ results: [{ segment: 'sports', result: 'unknown', source: 'browser' }] });
		expect(profileReads().map(({ status }) => status)).toEqual([0]);
		expect(await metricsText()).toMatch(/blueconic_bridge_blueconic_segment_lookups_total\{outcome="timed_out"\} 2/);
	});

	it('answers wait=0 from what is at hand, never waiting for BlueConic', async () => {
		// The long lookupWaitMs of start(): a wait=0 taken for "no wait" would wait for BlueConic and answer yes from it.
		await start('browser+blueconic');
		fake.setSegments('jane@example.com', [{ id: 'sports' }]);
		const session = signedIn('jane@example.com');
		let release = () => {};
		fake.inject({ kind: 'delay', delayMs: 60_000, target: 'profile-reads', release: new Promise((resolve) => (release = resolve)) });

		// BlueConic gets the search as soon as it arrives; the decision was answered before it could.
		const answering = askDecision(running.url, session, 'segment=sports&wait=0');
		await expect.poll(() => profileReads().map(({ status }) => status)).toEqual([0]);
		release();
		expect((await answering).json).toEqual({ segment: 'sports', result: 'unknown', source: 'browser' });

		// The lookup went on and filled the cache: wait=0 now answers from it.
		await expect.poll(() => profileReads().map(({ status }) => status)).toEqual([200, 200]);
		expect((await askDecision(running.url, session, 'segment=sports&wait=0')).json).toEqual({ segment: 'sports', result: 'yes', source: 'blueconic' });
		// Each lookup counted once: the first as timed out (not again when its late answer filled the cache).
		const lookups = (await metricsText()).split('\n').filter((line) => line.startsWith('blueconic_bridge_blueconic_segment_lookups_total{'));
		expect(lookups).toEqual(['blueconic_bridge_blueconic_segment_lookups_total{outcome="timed_out"} 1', 'blueconic_bridge_blueconic_segment_lookups_total{outcome="cached"} 1']);
		// A browser report at hand decides at once too.
		expect((await reportSegments(running.url, session, ['golf'])).status).toBe(204);
		expect((await askDecision(running.url, session, 'segment=golf&wait=0')).json).toEqual({ segment: 'golf', result: 'yes', source: 'browser' });
		expect(profileReads()).toHaveLength(2);
	});

	it('honours 429 and Retry-After: no request to BlueConic until the wait is over', async () => {
		await start('browser+blueconic');
		fake.setSegments('a@example.com', [{ id: 'sports' }]);
		fake.setSegments('b@example.com', [{ id: 'sports' }]);
		fake.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '120' }, target: 'profile-reads' });

		expect((await decide(signedIn('a@example.com'), ['sports'])).json).toEqual({ results: [{ segment: 'sports', result: 'unknown', source: 'browser' }] });
		expect((await decide(signedIn('b@example.com'), ['sports'])).json).toEqual({ results: [{ segment: 'sports', result: 'unknown', source: 'browser' }] });
		expect(profileReads()).toHaveLength(1);

		clockMs += 121_000;
		expect((await decide(signedIn('b@example.com'), ['sports'])).json).toEqual({ results: [{ segment: 'sports', result: 'yes', source: 'blueconic' }] });
		expect(await metricsText()).toMatch(/blueconic_bridge_blueconic_segment_requests_total\{call="profile_search",outcome="busy"\} 1/);
		expect(await metricsText()).toMatch(/blueconic_bridge_blueconic_segment_requests_total\{call="profile_search",outcome="cooling_off"\} 1/);
	});
});

describe('segments.source "verified"', () => {
	it('ignores a forged browser claim and accepts a confirmed one', async () => {
		await start('verified');
		fake.setSegments('jane@example.com', [{ id: 'sports' }]);
		const session = signedIn('jane@example.com');
		expect((await reportSegments(running.url, session, ['premium', 'sports'])).status).toBe(204);

		expect((await askDecision(running.url, session, 'segment=premium')).json).toEqual({ segment: 'premium', result: 'no', source: 'blueconic' });
		expect((await askDecision(running.url, session, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'yes', source: 'blueconic' });
		expect((await decide(session, ['premium', 'sports'])).json).toEqual({
			results: [
				{ segment: 'premium', result: 'no', source: 'blueconic' },
				{ segment: 'sports', result: 'yes', source: 'blueconic' },
			],
		});
		// Counted after each answer, from a read that does not hold the decision.
		await expect.poll(metricsText).toMatch(/^blueconic_bridge_browser_claims_ignored_total 2$/m);
	});

	it('answers no for a signed-in user BlueConic has no profile for, whatever the browser claims', async () => {
		await start('verified');
		const session = signedIn('nobody@example.com');
		await reportSegments(running.url, session, ['premium']);
		expect((await decide(session, ['premium'])).json).toEqual({ results: [{ segment: 'premium', result: 'no', source: 'blueconic' }] });
	});

	it('answers unknown, within the wait, while BlueConic is down', async () => {
		await start('verified');
		const session = signedIn('jane@example.com');
		await reportSegments(running.url, session, ['premium']);
		fake.inject({ kind: 'drop', target: 'profile-reads', times: Infinity });
		expect((await askDecision(running.url, session, 'segment=premium&wait=500')).json).toEqual({
			segment: 'premium',
			result: 'unknown',
			source: 'blueconic',
		});
		expect(await metricsText()).toMatch(/blueconic_bridge_blueconic_segment_requests_total\{call="profile_search",outcome="failed"\} 1/);
	});

	it('answers from BlueConic while a store read is stalled, and counts the ignored claims after', async () => {
		const store = new StalledReads(new MemorySegmentStore({ maxSessions: 100, ttlSeconds: 600 }));
		onTestFinished(() => store.close());
		await start('verified', {}, {}, {}, { store });
		fake.setSegments('jane@example.com', [{ id: 'sports' }]);
		const session = signedIn('jane@example.com');
		expect((await reportSegments(running.url, session, ['premium'])).status).toBe(204);

		store.stalled = true;
		expect((await decide(session, ['premium', 'sports'])).json).toEqual({
			results: [
				{ segment: 'premium', result: 'no', source: 'blueconic' },
				{ segment: 'sports', result: 'yes', source: 'blueconic' },
			],
		});
		// Answered while the read of the browser's report is still held.
		expect(store.heldReads()).toBe(1);
		expect(await metricsText()).toMatch(/^blueconic_bridge_browser_claims_ignored_total 0$/m);
		store.releaseReads();
		await expect.poll(metricsText).toMatch(/^blueconic_bridge_browser_claims_ignored_total 1$/m);
	});

	it('answers unknown to a backend decide whose session cannot be checked, never the browser report', async () => {
		// The http validator, without a cache, so that each decision asks the account endpoint again.
		account = await startFakeAccountServer();
		await start('verified', {}, {}, { session: { validate: { type: 'http', url: account.url, cacheSeconds: 0, timeoutMs: 5_000 } } });
		fake.setSegments('jane@example.com', [{ id: 'sports' }]);
		expect((await reportSegments(running.url, 'session-jane', ['premium'])).status).toBe(204);

		account.mode = 500;
		const callsBefore = account.calls.length;
		expect((await decide('session-jane', ['premium', 'sports'])).json).toEqual({
			results: [
				{ segment: 'premium', result: 'unknown', source: 'browser' },
				{ segment: 'sports', result: 'unknown', source: 'browser' },
			],
		});
		expect(account.calls.length).toBe(callsBefore + 1);
		// The browser lookup refuses a session it cannot check (503) rather than deciding it as anonymous.
		const browser = await askDecision(running.url, 'session-jane', 'segment=premium');
		expect(browser.status).toBe(503);
		expect(browser.json).toMatchObject({ error: { code: 'session_check_unavailable' } });

		// Checked again: BlueConic decides, the forged claim is ignored.
		account.mode = 'account';
		expect((await decide('session-jane', ['premium', 'sports'])).json).toEqual({
			results: [
				{ segment: 'premium', result: 'no', source: 'blueconic' },
				{ segment: 'sports', result: 'yes', source: 'blueconic' },
			],
		});
	});

	it('decides anonymous sessions from the browser report by default, or unknown when configured', async () => {
		await start('verified');
		const anonymous = running.collector.memorySessions!.create();
		await reportSegments(running.url, anonymous, ['sports']);
		expect((await askDecision(running.url, anonymous, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'yes', source: 'browser' });
		await stopAll();

		await start('verified', { anonymous: 'unknown' });
		const other = running.collector.memorySessions!.create();
		await reportSegments(running.url, other, ['sports']);
		expect((await askDecision(running.url, other, 'segment=sports')).json).toEqual({ segment: 'sports', result: 'unknown', source: 'browser' });
		expect(profileReads()).toEqual([]);
	});
});

describe('the BlueConic segment caches', () => {
	it('send one request per profile however many decisions ask at once, on a miss and on a refresh', async () => {
		await start('verified');
		fake.setSegments('jane@example.com', [{ id: 'sports' }]);
		const sessions = Array.from({ length: 20 }, () => signedIn('jane@example.com'));
		const answers = await Promise.all(sessions.map((session) => decide(session, ['sports'])));
		expect(answers.map(({ json }) => json)).toEqual(sessions.map(() => ({ results: [{ segment: 'sports', result: 'yes', source: 'blueconic' }] })));
		expect(profileReads()).toHaveLength(2); // one search, one segments read

		// Past 80% of the segments' TTL: answered from the cache while one background read refreshes it.
		fake.setSegments('jane@example.com', [{ id: 'golf' }]);
		let release = () => {};
		fake.inject({ kind: 'delay', delayMs: 60_000, target: 'profile-reads', release: new Promise((resolve) => (release = resolve)) });
		clockMs += 250_000;
		const refreshing = await Promise.all(sessions.map((session) => decide(session, ['sports'])));
		expect(refreshing.map(({ json }) => json)).toEqual(sessions.map(() => ({ results: [{ segment: 'sports', result: 'yes', source: 'blueconic' }] })));
		await expect.poll(() => profileReads().map(({ status }) => status)).toEqual([200, 200, 0]);
		release();
		await expect.poll(() => profileReads().filter(({ status }) => status === 200)).toHaveLength(3);
		expect(profileReads()).toHaveLength(3);
		expect((await decide(sessions[0]!, ['golf'])).json).toEqual({ results: [{ segment: 'golf', result: 'yes', source: 'blueconic' }] });
	});
});

describe('the BlueConic calls per 1,000 decisions', () => {
	/**
	 * 100 readers, 70 signed in, each with 10 page views a minute apart (one decision each); the browser reports
	 * after the first page view. Segments TTL 300 s, profile TTL 3600 s (the defaults but for the segments TTL).
	 */
	async function callsPer1000(source: Source): Promise<number> {
		await start(source, {}, { requestsPerSecond: 1_000 });
		const readers = Array.from({ length: 100 }, (_, index) => {
			const email = index < 70 ? `reader-${index}@example.com` : undefined;
			if (email) fake.setSegments(email, [{ id: 'sports' }]);
			return running.collector.memorySessions!.create(email ? { email } : {});
		});
		for (let pageView = 0; pageView < 10; pageView++) {
			for (const session of readers) {
				expect((await decide(session, ['sports'])).status).toBe(200);
				if (pageView === 0) await reportSegments(running.url, session, ['sports']);
			}
			// Background refreshes settle before the clock moves on.
			await expect.poll(() => fake.stats.inFlight).toBe(0);
			clockMs += 60_000;
		}
		return profileReads().length;
	}

	it('are 140 under browser+blueconic (the first page view of each signed-in reader)', async () => {
		const calls = await callsPer1000('browser+blueconic');
		console.info(`BlueConic calls per 1,000 decisions, browser+blueconic: ${calls}`);
		expect(calls).toBe(140);
	});

	it('are 280 under verified (a search and three segment reads per signed-in reader over ten minutes)', async () => {
		const calls = await callsPer1000('verified');
		console.info(`BlueConic calls per 1,000 decisions, verified: ${calls}`);
		expect(calls).toBe(280);
	});
});

describe('segments.source configuration', () => {
	it('needs the blueconic section for a source other than browser', () => {
		for (const source of ['browser+blueconic', 'verified'] as const) {
			let problems: readonly string[] = [];
			try {
				parseConfig(testConfig({ segments: { source } }));
			} catch (error) {
				if (isConfigError(error)) problems = error.problems;
			}
			expect(problems).toEqual([expect.stringMatching(/^segments\.source: "[a-z+]+" reads segments from BlueConic's REST API: it needs the "blueconic" section/)]);
		}
		expect(parseConfig(testConfig()).segments).toMatchObject({ source: 'browser', anonymous: 'browser' });
	});

	it('warns at start-up that verified protects nothing with signed sessions (they carry no email)', () => {
		const warnings: string[] = [];
		const logger = { debug() {}, info() {}, error() {}, warn: (_fields: object, message: string) => void warnings.push(message) };
		const blueconic = { baseUrl: 'http://127.0.0.1:9', clientId: 'test-client', clientSecret: 'test-secret' };
		const sessions = {
			signed: { validate: { type: 'signed', secret: 'a-secret-of-at-least-16' } },
			memory: { validate: { type: 'memory' } },
		} as const;
		for (const [validation, source] of [['signed', 'verified'], ['memory', 'verified'], ['signed', 'browser+blueconic']] as const) {
			const config = parseConfig(testConfig({ blueconic, session: sessions[validation], segments: { source } as CollectorConfigInput['segments'] }));
			createBlueConicSegments(config, { registry: new Registry(), logger })?.close();
		}
		expect(warnings).toEqual([expect.stringMatching(/^segments\.source "verified" protects nothing with session\.validate\.type "signed"/)]);
	});

	it('names a wrong source or a wrong BlueConic setting by its path', () => {
		let problems: readonly string[] = [];
		try {
			parseConfig(testConfig({ segments: { source: 'trust-me', blueconic: { maxConcurrentRequests: 0 } } as never }));
		} catch (error) {
			if (isConfigError(error)) problems = error.problems;
		}
		expect(problems).toEqual([
			'segments.source: must be "browser", "browser+blueconic" or "verified"',
			'segments.blueconic.maxConcurrentRequests: must be greater than 0',
		]);
	});
});

/** A store whose reads, once `stalled`, are held until `releaseReads()`: a Redis that stopped answering. */
class StalledReads implements SegmentStore {
	stalled = false;
	readonly #inner: SegmentStore;
	readonly #held: (() => void)[] = [];

	constructor(inner: SegmentStore) {
		this.#inner = inner;
	}

	async read(sessionKey: string): Promise<StoreRead> {
		if (!this.stalled) return this.#inner.read(sessionKey);
		return new Promise((resolve) => this.#held.push(() => resolve(this.#inner.read(sessionKey))));
	}

	heldReads(): number {
		return this.#held.length;
	}

	releaseReads(): void {
		this.stalled = false;
		for (const release of this.#held.splice(0)) release();
	}

	async write(sessionKey: string, segmentIds: readonly string[]): Promise<void> {
		await this.#inner.write(sessionKey, segmentIds);
	}

	waitForReport(sessionKey: string, timeoutMs: number): Promise<StoreRead> {
		return this.#inner.waitForReport(sessionKey, timeoutMs);
	}

	sessionCount(): Promise<number> {
		return this.#inner.sessionCount();
	}

	async close(): Promise<void> {
		this.releaseReads();
		await this.#inner.close();
	}
}
