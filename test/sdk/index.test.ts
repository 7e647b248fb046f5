import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { startSegmentSync } from '../../sdk/index.js';
import { fakeBlueConicClient, installFakeBrowser, settle } from './fake-browser.js';

let browser: ReturnType<typeof installFakeBrowser>;
let client: ReturnType<typeof fakeBlueConicClient>;

beforeEach(() => {
	vi.useFakeTimers();
	browser = installFakeBrowser();
	client = fakeBlueConicClient(['a']);
	window.blueConicClient = client;
});
afterEach(() => {
	delete window.blueConicClient;
	vi.useRealTimers();
	vi.unstubAllGlobals();
});

/** Starts the sync and lets it find BlueConic. */
async function start(options: Parameters<typeof startSegmentSync>[0] = {}) {
	const sync = startSegmentSync({ endpoint: '/segments', ...options });
	await vi.advanceTimersByTimeAsync(0);
	return sync;
}

async function answerLast(status: number): Promise<void> {
	browser.requests.at(-1)?.answer(status);
	await settle();
}

describe('startSegmentSync', () => {
	test('posts once ready, subscribes to the events after which segments change, and remembers the delivery', async () => {
		const sync = await start();
		expect(browser.requests.map((request) => request.init.body)).toEqual(['["a"]']);
		expect(client.event.subscribe.mock.calls.map(([eventName]) => eventName)).toEqual([
			'onEventReady',
			'onBeforeInteractions',
			'PAGEVIEW',
		]);
		await answerLast(204);
		expect(sync.lastDelivered()).toEqual(['a']);
		expect(browser.storage.get('blueconic-bridge:/segments')).toBe('["a"]');
	});

	test('posts after an event only when the set changed', async () => {
		await start();
		await answerLast(204);
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(1);
		client.segmentIds = ['b'];
		client.fire('PAGEVIEW');
		expect(browser.requests.map((request) => request.init.body)).toEqual(['["a"]', '["b"]']);
	});

	test('does not post a set this tab delivered on an earlier page', async () => {
		browser.storage.set('blueconic-bridge:/segments', '["a"]');
		const sync = await start();
		expect(browser.requests).toHaveLength(0);
		expect(sync.lastDelivered()).toEqual(['a']);
	});

	test('re-reads a navigation delay after pushState', async () => {
		await start({ navigationDelay: 500 });
		await answerLast(204);
		client.segmentIds = ['spa'];
		history.pushState({}, '', '/next');
		await vi.advanceTimersByTimeAsync(499);
		expect(browser.requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(browser.requests.at(-1)?.init.body).toBe('["spa"]');
	});

	test('sends a pending report as a beacon when the page is hidden or left', async () => {
		await start({ retryDelay: 10_000 });
		await answerLast(503);
		browser.hide();
		browser.fireWindowEvent('pagehide');
		expect(browser.beacons).toEqual([
			{ url: '/segments', body: '["a"]' },
			{ url: '/segments', body: '["a"]' },
		]);
	});

	test('flush() resolves once delivered, and at once when there is nothing new', async () => {
		const sync = await start();
		await answerLast(204);
		await expect(sync.flush()).resolves.toBeUndefined();
		client.segmentIds = ['b'];
		let flushed = false;
		void sync.flush().then(() => (flushed = true));
		await settle();
		expect(flushed).toBe(false);
		await answerLast(204);
		expect(flushed).toBe(true);
	});
});

describe('consent and stopping', () => {
	test("with consent 'required', posts nothing until setConsent(true), and stops at setConsent(false)", async () => {
		const sync = await start({ consent: 'required' });
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(0);
		sync.setConsent(true);
		expect(browser.requests).toHaveLength(1);
		await answerLast(204);
		sync.setConsent(false);
		client.segmentIds = ['b'];
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(1);
	});

	test('stop() ends posting for good', async () => {
		const sync = await start();
		await answerLast(204);
		sync.stop();
		sync.setConsent(true);
		client.segmentIds = ['b'];
		client.fire('onEventReady');
		await sync.flush();
		expect(browser.requests).toHaveLength(1);
	});
});

describe('never throwing into the page', () => {
	test('BlueConic failing goes to onError, not out of its event handlers', async () => {
		const onError = vi.fn();
		await start({ onError });
		client.getSegments = () => {
			throw new Error('broken');
		};
		expect(() => client.fire('onEventReady')).not.toThrow();
		expect(onError).toHaveBeenCalledWith(new Error('broken'));
	});

	test('a throwing subscribe or onError stays inside', async () => {
		client.event.subscribe.mockImplementation(() => {
			throw new Error('no such event');
		});
		const onError = vi.fn(() => {
			throw new Error('the site callback broke too');
		});
		await expect(start({ onError })).resolves.toBeDefined();
		expect(onError).toHaveBeenCalledWith(new Error('no such event'));
	});
});
