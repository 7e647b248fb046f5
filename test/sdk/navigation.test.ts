import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { watchNavigations } from '../../sdk/navigation.js';
import { fakeBlueConicClient, installFakeBrowser } from './fake-browser.js';

let browser: ReturnType<typeof installFakeBrowser>;

beforeEach(() => {
	browser = installFakeBrowser();
});
afterEach(() => vi.unstubAllGlobals());

test('notices handlePageView, pushState and popstate, passing results through', () => {
	const client = fakeBlueConicClient();
	const originalPageView = client.handlePageView;
	const onNavigate = vi.fn();
	watchNavigations(client, onNavigate);
	expect((client.handlePageView as () => unknown)()).toBe('page view');
	expect(originalPageView).toHaveBeenCalledOnce();
	expect(history.pushState({}, '', '/next')).toBe('pushed /next');
	browser.fireWindowEvent('popstate');
	expect(onNavigate).toHaveBeenCalledTimes(3);
});

test("lets the original's error through, untouched", () => {
	const client = fakeBlueConicClient();
	client.handlePageView.mockImplementation(() => {
		throw new Error('BlueConic failed');
	});
	const onNavigate = vi.fn();
	watchNavigations(client, onNavigate);
	expect(() => (client.handlePageView as () => unknown)()).toThrow('BlueConic failed');
	expect(onNavigate).not.toHaveBeenCalled();
});

test('leaves a client without handlePageView alone', () => {
	const client: { handlePageView?: () => unknown } = {};
	watchNavigations(client, vi.fn());
	expect(client).toEqual({});
});
