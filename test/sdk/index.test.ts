import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { startSegmentSync } from '../../sdk/index.js';
import { deliveredReportKey } from '../../sdk/storage.js';
import { fakeBlueConicClient, installFakeBrowser, settle } from './fake-browser.js';

const storageKey = deliveredReportKey('/segments');
let browser: ReturnType<typeof installFakeBrowser>;
let client: ReturnType<typeof fakeBlueConicClient>;

beforeEach(() => {
	vi.useFakeTimers({ now: 1_700_000_000_000 });
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

async function answerLast(status: number, headers?: Record<string, string>): Promise<void> {
	browser.requests.at(-1)?.answer(status, headers);
	await settle();
}

const bodies = (): unknown[] => browser.requests.map((request) => request.init.body);

describe('startSegmentSync', () => {
	test('posts once ready, subscribes to the events after which segments change, and remembers the delivery', async () => {
		const sync = await start();
		expect(bodies()).toEqual(['["a"]']);
		expect(browser.requests[0]?.init).toMatchObject({
			method: 'POST',
			credentials: 'include',
			headers: { 'Content-Type': 'application/json' },
		});
		expect(client.event.subscribe.mock.calls.map(([eventName]) => eventName)).toEqual([
			'onEventReady',
			'onBeforeInteractions',
			'PAGEVIEW',
		]);
		await answerLast(204);
		expect(sync.lastDelivered()).toEqual(['a']);
	});

	test('posts after an event only when the set changed', async () => {
		await start();
		await answerLast(204);
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(1);
		client.segmentIds = ['b'];
		client.fire('PAGEVIEW');
		expect(bodies()).toEqual(['["a"]', '["b"]']);
	});

	test('does not post a set this tab delivered recently for this session on an earlier page', async () => {
		browser.storage[storageKey] = `${Date.now() - 60_000}|0|["a"]`;
		const sync = await start();
		expect(browser.requests).toHaveLength(0);
		expect(sync.lastDelivered()).toEqual(['a']);
	});

	test('posts one report at a time; the newest replaces any older one still waiting', async () => {
		await start();
		client.segmentIds = ['b'];
		client.fire('onEventReady');
		client.segmentIds = ['c'];
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(1);
		await answerLast(204);
		expect(bodies()).toEqual(['["a"]', '["c"]']);
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

describe('what the tab remembers', () => {
	test('stores the report with its delivery time and the session fingerprint', async () => {
		browser.setCookies('blaize_session=s1');
		await start();
		const deliveredAt = Date.now();
		await answerLast(204);
		expect(browser.storage[storageKey]).toMatch(new RegExp(`^${deliveredAt}\\|-?\\d+\\|\\["a"\\]$`));
		expect(browser.storage[storageKey]).not.toContain('s1');
	});

	test('stores 0 as the fingerprint when the session cookie cannot be read', async () => {
		await start();
		await answerLast(204);
		expect(browser.storage[storageKey]).toBe(`${Date.now()}|0|["a"]`);
	});

	test('posts a set the storage holds in an older form, and reads it as delivered until then', async () => {
		browser.storage[storageKey] = '["a"]';
		const sync = await start();
		expect(sync.lastDelivered()).toEqual(['a']);
		expect(bodies()).toEqual(['["a"]']);
	});

	test('treats text that is not a record as nothing delivered', async () => {
		browser.storage[storageKey] = '{not json';
		const sync = await start();
		expect(sync.lastDelivered()).toBeUndefined();
		expect(browser.requests).toHaveLength(1);
	});

	test('storage that throws only costs a post', async () => {
		vi.stubGlobal('sessionStorage', undefined);
		const sync = await start();
		await answerLast(204);
		expect(sync.lastDelivered()).toEqual(['a']);
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(1);
	});
});

describe('refreshing before the collector forgets', () => {
	test('posts an unchanged set again on the first read after refreshInterval, not before', async () => {
		await start({ refreshInterval: 300 });
		await answerLast(204);
		await vi.advanceTimersByTimeAsync(299);
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(browser.requests).toHaveLength(1);
		client.fire('onEventReady');
		expect(bodies()).toEqual(['["a"]', '["a"]']);
	});

	test('refreshes by default ten minutes after the delivery, on an earlier page too', async () => {
		browser.storage[storageKey] = `${Date.now() - 599_999}|0|["a"]`;
		await start();
		expect(browser.requests).toHaveLength(0);
		await vi.advanceTimersByTimeAsync(1);
		client.fire('PAGEVIEW');
		expect(bodies()).toEqual(['["a"]']);
	});

	test('never polls: without a read, nothing is posted however long the page stays', async () => {
		await start({ refreshInterval: 300 });
		await answerLast(204);
		await vi.advanceTimersByTimeAsync(60_000);
		expect(browser.requests).toHaveLength(1);
	});
});

describe('a new session', () => {
	test('posts an unchanged set again when the readable session cookie changed', async () => {
		browser.setCookies('other=1; blaize_session=before');
		await start();
		await answerLast(204);
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(1);
		browser.setCookies('other=1; blaize_session=after');
		client.fire('onEventReady');
		expect(bodies()).toEqual(['["a"]', '["a"]']);
	});

	test('a sign-in (the cookie appears) and a sign-out (it goes) both post again', async () => {
		await start();
		await answerLast(204);
		browser.setCookies('blaize_session=signed-in');
		client.fire('onEventReady');
		await answerLast(204);
		browser.setCookies('');
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(3);
	});

	test('reads the cookie named by sessionCookie, and ignores the session cookie when told to', async () => {
		browser.setCookies('sid=1');
		await start({ sessionCookie: 'sid' });
		await answerLast(204);
		browser.setCookies('sid=2');
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(2);
	});

	test('flush({ force: true }) posts an unchanged set, for a session change the page cannot see', async () => {
		const sync = await start();
		await answerLast(204);
		await sync.flush();
		expect(browser.requests).toHaveLength(1);
		const flushed = sync.flush({ force: true });
		expect(bodies()).toEqual(['["a"]', '["a"]']);
		await answerLast(204);
		await flushed;
		// Once: the next read finds it held again.
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(2);
	});

	test('flush({ force: true }) before BlueConic is ready posts the set once it is', async () => {
		browser.storage[storageKey] = `${Date.now()}|0|["a"]`;
		delete window.blueConicClient;
		const sync = startSegmentSync({ endpoint: '/segments' });
		await sync.flush({ force: true });
		window.blueConicClient = client;
		browser.fireWindowEvent('onBlueConicLoaded');
		expect(bodies()).toEqual(['["a"]']);
	});
});

describe('retrying', () => {
	test('retries a 503 after a jittered backoff', async () => {
		vi.spyOn(Math, 'random').mockReturnValue(0);
		await start({ retryDelay: 100 });
		await answerLast(503);
		await vi.advanceTimersByTimeAsync(49);
		expect(browser.requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(browser.requests).toHaveLength(2);
	});

	test('retries a network error and a 408', async () => {
		await start({ retryDelay: 100 });
		browser.requests[0]?.fail();
		await settle();
		await vi.advanceTimersByTimeAsync(100);
		await answerLast(408);
		await vi.advanceTimersByTimeAsync(200);
		expect(browser.requests).toHaveLength(3);
	});

	test("waits as long as a 429's Retry-After says", async () => {
		await start({ retryDelay: 100 });
		await answerLast(429, { 'Retry-After': '1' });
		await vi.advanceTimersByTimeAsync(999);
		expect(browser.requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(browser.requests).toHaveLength(2);
	});

	test('gives up when Retry-After asks for longer than maxRetryDelay, and flush() resolves', async () => {
		const onError = vi.fn();
		const sync = await start({ maxRetryDelay: 1_000, onError });
		const flushed = sync.flush();
		await answerLast(503, { 'Retry-After': '60' });
		await flushed;
		expect(onError).toHaveBeenCalledWith(new Error('blueconic-bridge: post failed: 503'));
	});

	test('gives up after maxAttempts tries', async () => {
		const onError = vi.fn();
		const sync = await start({ maxAttempts: 3, retryDelay: 100, onError });
		for (let attempt = 0; attempt < 3; attempt++) {
			await answerLast(500);
			await vi.advanceTimersByTimeAsync(1_000);
		}
		expect(browser.requests).toHaveLength(3);
		expect(onError).toHaveBeenCalledExactlyOnceWith(new Error('blueconic-bridge: post failed: 500'));
		expect(sync.lastDelivered()).toBeUndefined();
	});

	test('never retries another 4xx, and the next read may post the set again', async () => {
		const onError = vi.fn();
		await start({ onError });
		await answerLast(401);
		await vi.advanceTimersByTimeAsync(60_000);
		expect(browser.requests).toHaveLength(1);
		expect(onError).toHaveBeenCalledWith(new Error('blueconic-bridge: post failed: 401'));
		client.fire('onEventReady');
		expect(browser.requests).toHaveLength(2);
	});

	test('a retry sends the newest report', async () => {
		await start({ retryDelay: 100 });
		await answerLast(503);
		client.segmentIds = ['b'];
		client.fire('onEventReady');
		await vi.advanceTimersByTimeAsync(100);
		expect(bodies()).toEqual(['["a"]', '["b"]']);
	});
});

describe('waiting for BlueConic', () => {
	test('finds a client that loaded first, after startSegmentSync has returned', async () => {
		startSegmentSync({ endpoint: '/segments' });
		expect(client.event.subscribe).not.toHaveBeenCalled();
		await vi.advanceTimersByTimeAsync(0);
		expect(browser.requests).toHaveLength(1);
	});

	test('waits for onBlueConicLoaded when the client arrives later, and does not count a client without its event API', async () => {
		delete window.blueConicClient;
		await start();
		window.blueConicClient = { getSegments: () => [] };
		browser.fireWindowEvent('onBlueConicLoaded');
		expect(browser.requests).toHaveLength(0);
		window.blueConicClient = client;
		browser.fireWindowEvent('onBlueConicLoaded');
		browser.fireWindowEvent('onBlueConicLoaded');
		expect(client.event.subscribe).toHaveBeenCalledTimes(3);
		expect(browser.requests).toHaveLength(1);
	});

	test('gives up after the timeout without polling', async () => {
		delete window.blueConicClient;
		await start({ timeout: 1_000 });
		await vi.advanceTimersByTimeAsync(999);
		expect(vi.getTimerCount()).toBe(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(vi.getTimerCount()).toBe(0);
		window.blueConicClient = client;
		browser.fireWindowEvent('onBlueConicLoaded');
		expect(client.event.subscribe).not.toHaveBeenCalled();
	});
});

describe('single-page-app navigations', () => {
	test('re-reads a navigation delay after pushState', async () => {
		await start({ navigationDelay: 500 });
		await answerLast(204);
		client.segmentIds = ['spa'];
		expect(history.pushState({}, '', '/next')).toBe('pushed /next');
		await vi.advanceTimersByTimeAsync(499);
		expect(browser.requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(browser.requests.at(-1)?.init.body).toBe('["spa"]');
	});

	test('notices handlePageView and popstate, passing the original result and errors through', async () => {
		const originalPageView = client.handlePageView;
		await start({ navigationDelay: 0 });
		await answerLast(204);
		expect((client.handlePageView as () => unknown)()).toBe('page view');
		expect(originalPageView).toHaveBeenCalledOnce();
		client.segmentIds = ['b'];
		await vi.advanceTimersByTimeAsync(0);
		expect(browser.requests).toHaveLength(2);
		await answerLast(204);
		client.segmentIds = ['c'];
		browser.fireWindowEvent('popstate');
		await vi.advanceTimersByTimeAsync(0);
		expect(browser.requests).toHaveLength(3);
		originalPageView.mockImplementation(() => {
			throw new Error('BlueConic failed');
		});
		expect(() => (client.handlePageView as () => unknown)()).toThrow('BlueConic failed');
	});
});

describe('leaving', () => {
	test('sends a pending report as one beacon when the page is hidden (as it is when left), and nothing when nothing is pending', async () => {
		await start({ retryDelay: 10_000 });
		await answerLast(204);
		browser.hide();
		expect(browser.beacons).toEqual([]);
		client.segmentIds = ['b'];
		client.fire('onEventReady');
		await answerLast(503);
		browser.hide();
		// pagehide comes just before the page turns hidden on leaving; answering both would send the report twice.
		browser.fireWindowEvent('pagehide');
		expect(browser.beacons).toEqual([{ url: '/segments', body: '["b"]' }]);
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

	test('setConsent(false) drops a report waiting for its retry, and the retry finds nothing to send', async () => {
		const sync = await start({ retryDelay: 100 });
		const flushed = sync.flush();
		await answerLast(503);
		sync.setConsent(false);
		await vi.advanceTimersByTimeAsync(1_000);
		await flushed;
		expect(browser.requests).toHaveLength(1);
		browser.hide();
		expect(browser.beacons).toEqual([]);
	});

	test('stop() ends posting for good', async () => {
		const sync = await start();
		await answerLast(204);
		sync.stop();
		sync.setConsent(true);
		client.segmentIds = ['b'];
		client.fire('onEventReady');
		await sync.flush({ force: true });
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
		await settle();
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

	test('a throwing sendBeacon stays inside', async () => {
		const onError = vi.fn();
		await start({ onError, retryDelay: 10_000 });
		await answerLast(503);
		vi.stubGlobal('navigator', {
			sendBeacon: () => {
				throw new TypeError('bad URL');
			},
		});
		expect(() => browser.hide()).not.toThrow();
		expect(onError).toHaveBeenCalledWith(new TypeError('bad URL'));
	});
});
