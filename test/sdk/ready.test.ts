import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { whenBlueConicReady } from '../../sdk/ready.js';
import { fakeBlueConicClient, installFakeBrowser } from './fake-browser.js';

let browser: ReturnType<typeof installFakeBrowser>;

beforeEach(() => {
	vi.useFakeTimers();
	browser = installFakeBrowser();
});
afterEach(() => {
	delete window.blueConicClient;
	vi.useRealTimers();
	vi.unstubAllGlobals();
});

test('finds a client that loaded first, after the caller has returned', async () => {
	const client = fakeBlueConicClient();
	window.blueConicClient = client;
	const onReady = vi.fn();
	whenBlueConicReady(1_000, onReady);
	expect(onReady).not.toHaveBeenCalled();
	await vi.advanceTimersByTimeAsync(0);
	expect(onReady).toHaveBeenCalledExactlyOnceWith(client);
});

test('waits for onBlueConicLoaded when the client arrives later, and does not count a client without its event API', async () => {
	const onReady = vi.fn();
	whenBlueConicReady(1_000, onReady);
	await vi.advanceTimersByTimeAsync(0);
	window.blueConicClient = { getSegments: () => [] };
	browser.fireWindowEvent('onBlueConicLoaded');
	expect(onReady).not.toHaveBeenCalled();
	const client = fakeBlueConicClient();
	window.blueConicClient = client;
	browser.fireWindowEvent('onBlueConicLoaded');
	browser.fireWindowEvent('onBlueConicLoaded');
	expect(onReady).toHaveBeenCalledExactlyOnceWith(client);
});

test('gives up after the timeout without polling', async () => {
	const onReady = vi.fn();
	whenBlueConicReady(1_000, onReady);
	await vi.advanceTimersByTimeAsync(999);
	expect(vi.getTimerCount()).toBe(1);
	await vi.advanceTimersByTimeAsync(1);
	expect(vi.getTimerCount()).toBe(0);
	window.blueConicClient = fakeBlueConicClient();
	browser.fireWindowEvent('onBlueConicLoaded');
	expect(onReady).not.toHaveBeenCalled();
});
