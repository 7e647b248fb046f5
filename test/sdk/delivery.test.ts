import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createDelivery } from '../../sdk/delivery.js';
import { installFakeBrowser, settle } from './fake-browser.js';

const settings = { endpoint: '/segments', maxAttempts: 3, retryDelay: 100, maxRetryDelay: 1_000 };
let browser: ReturnType<typeof installFakeBrowser>;
let delivered: string[];
let failures: string[];

function startDelivery(deliveredBefore: string | null = null) {
	return createDelivery(
		settings,
		deliveredBefore,
		(report) => delivered.push(report),
		(error) => failures.push(error.message),
	);
}

beforeEach(() => {
	vi.useFakeTimers();
	browser = installFakeBrowser();
	delivered = [];
	failures = [];
});
afterEach(() => {
	vi.useRealTimers();
	vi.unstubAllGlobals();
});

describe('posting', () => {
	test('posts the report as JSON with credentials and resolves once it is delivered', async () => {
		const delivery = startDelivery();
		let resolved = false;
		void delivery.send('["a"]').then(() => (resolved = true));
		const [request] = browser.requests;
		expect(request?.url).toBe('/segments');
		expect(request?.init).toMatchObject({
			method: 'POST',
			credentials: 'include',
			headers: { 'Content-Type': 'application/json' },
			body: '["a"]',
		});
		await settle();
		expect(resolved).toBe(false);
		request?.answer(204);
		await settle();
		expect(resolved).toBe(true);
		expect(delivered).toEqual(['["a"]']);
		expect(delivery.delivered()).toBe('["a"]');
	});

	test('does not post the report last delivered, even from an earlier page', async () => {
		const delivery = startDelivery('["a"]');
		await delivery.send('["a"]');
		expect(browser.requests).toHaveLength(0);
	});

	test('posts one report at a time; the newest replaces any older one still waiting', async () => {
		const delivery = startDelivery();
		void delivery.send('["a"]');
		void delivery.send('["b"]');
		const allSettled = delivery.send('["c"]');
		expect(browser.requests).toHaveLength(1);
		browser.requests[0]?.answer(204);
		await settle();
		expect(browser.requests.map((request) => request.init.body)).toEqual(['["a"]', '["c"]']);
		browser.requests[1]?.answer(204);
		await allSettled;
		expect(delivered).toEqual(['["a"]', '["c"]']);
	});

	test('sends an equal report only once while it is pending', async () => {
		const delivery = startDelivery();
		void delivery.send('["a"]');
		void delivery.send('["a"]');
		browser.requests[0]?.answer(204);
		await settle();
		expect(browser.requests).toHaveLength(1);
	});
});

describe('retrying', () => {
	test('retries a 503 after a jittered backoff', async () => {
		const delivery = startDelivery();
		void delivery.send('["a"]');
		browser.requests[0]?.answer(503);
		await settle();
		await vi.advanceTimersByTimeAsync(49);
		expect(browser.requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(51);
		expect(browser.requests).toHaveLength(2);
	});

	test('retries a network error and a 408', async () => {
		const delivery = startDelivery();
		void delivery.send('["a"]');
		browser.requests[0]?.fail();
		await settle();
		await vi.advanceTimersByTimeAsync(100);
		browser.requests[1]?.answer(408);
		await settle();
		await vi.advanceTimersByTimeAsync(200);
		expect(browser.requests).toHaveLength(3);
	});

	test("waits as long as a 429's Retry-After says", async () => {
		const delivery = startDelivery();
		void delivery.send('["a"]');
		browser.requests[0]?.answer(429, { 'Retry-After': '1' });
		await settle();
		await vi.advanceTimersByTimeAsync(999);
		expect(browser.requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(browser.requests).toHaveLength(2);
	});

	test('gives up when Retry-After asks for longer than maxRetryDelay, and resolves', async () => {
		const delivery = startDelivery();
		const settled = delivery.send('["a"]');
		browser.requests[0]?.answer(503, { 'Retry-After': '60' });
		await settled;
		expect(failures).toEqual(['blueconic-bridge: post failed: 503']);
	});

	test('gives up after maxAttempts tries', async () => {
		const delivery = startDelivery();
		const settled = delivery.send('["a"]');
		for (let attempt = 0; attempt < 3; attempt++) {
			browser.requests[attempt]?.answer(500);
			await settle();
			await vi.advanceTimersByTimeAsync(1_000);
		}
		await settled;
		expect(browser.requests).toHaveLength(3);
		expect(failures).toEqual(['blueconic-bridge: post failed: 500']);
		expect(delivery.delivered()).toBeNull();
	});

	test('never retries another 4xx', async () => {
		const delivery = startDelivery();
		const settled = delivery.send('["a"]');
		browser.requests[0]?.answer(401);
		await settled;
		await vi.advanceTimersByTimeAsync(5_000);
		expect(browser.requests).toHaveLength(1);
		expect(failures).toEqual(['blueconic-bridge: post failed: 401']);
	});

	test('a retry sends the newest report', async () => {
		const delivery = startDelivery();
		void delivery.send('["a"]');
		browser.requests[0]?.answer(503);
		await settle();
		void delivery.send('["b"]');
		await vi.advanceTimersByTimeAsync(100);
		expect(browser.requests.map((request) => request.init.body)).toEqual(['["a"]', '["b"]']);
	});
});

describe('leaving and cancelling', () => {
	test('sends the pending report as a beacon, and nothing when nothing is pending', async () => {
		const delivery = startDelivery();
		delivery.sendBeacon();
		expect(browser.beacons).toEqual([]);
		void delivery.send('["a"]');
		browser.requests[0]?.answer(503);
		await settle();
		delivery.sendBeacon();
		expect(browser.beacons).toEqual([{ url: '/segments', body: '["a"]' }]);
	});

	test('cancel drops the pending report: the retry finds nothing to send, and the promise resolves', async () => {
		const delivery = startDelivery();
		const settled = delivery.send('["a"]');
		browser.requests[0]?.answer(503);
		await settle();
		delivery.cancel();
		await vi.advanceTimersByTimeAsync(1_000);
		await settled;
		expect(browser.requests).toHaveLength(1);
		delivery.sendBeacon();
		expect(browser.beacons).toEqual([]);
	});
});
