import { vi } from 'vitest';

/** A recorded `fetch` call and a way to answer it. */
export interface FakeRequest {
	url: string;
	init: RequestInit;
	answer(status: number, headers?: Record<string, string>): void;
	fail(): void;
}

/**
 * The browser globals the SDK touches, faked in Node: window events, `document.hidden`, `document.cookie` and the
 * document's events, history, sessionStorage (a plain object: the SDK uses item access by property), `fetch` (each
 * request waits for the test to answer it) and `navigator.sendBeacon`.
 * `vi.unstubAllGlobals()` removes it all.
 */
export function installFakeBrowser() {
	const windowEvents = new EventTarget();
	const documentEvents = new EventTarget();
	const storage: Record<string, string> = {};
	const requests: FakeRequest[] = [];
	const beacons: Array<{ url: string; body: string }> = [];
	const fakeDocument = {
		hidden: false,
		cookie: '',
		currentScript: null,
		addEventListener: documentEvents.addEventListener.bind(documentEvents),
		removeEventListener: documentEvents.removeEventListener.bind(documentEvents),
	};
	vi.stubGlobal('window', globalThis);
	vi.stubGlobal('addEventListener', windowEvents.addEventListener.bind(windowEvents));
	vi.stubGlobal('removeEventListener', windowEvents.removeEventListener.bind(windowEvents));
	vi.stubGlobal('document', fakeDocument);
	vi.stubGlobal('history', { pushState: (_state: unknown, _title: string, url: string) => `pushed ${url}` });
	vi.stubGlobal('sessionStorage', storage);
	vi.stubGlobal('navigator', { sendBeacon: (url: string, body: string) => beacons.push({ url, body }) > 0 });
	vi.stubGlobal('fetch', (url: string, init: RequestInit) =>
		new Promise<Response>((resolve, reject) => {
			requests.push({
				url,
				init,
				answer: (status, headers) => resolve(new Response(status === 204 ? null : '', { status, headers })),
				fail: () => reject(new TypeError('Failed to fetch')),
			});
		}),
	);
	return {
		requests,
		beacons,
		storage,
		/** Fires a window event, e.g. `onBlueConicLoaded`, `pagehide` or `popstate`. */
		fireWindowEvent: (name: string) => windowEvents.dispatchEvent(new Event(name)),
		/** Sets what `document.cookie` reads, e.g. `'other=1; blaize_session=abc'`. */
		setCookies(cookies: string): void {
			fakeDocument.cookie = cookies;
		},
		hide(): void {
			fakeDocument.hidden = true;
			documentEvents.dispatchEvent(new Event('visibilitychange'));
		},
	};
}

/** A BlueConic client whose segments and events the test controls. */
export function fakeBlueConicClient(segmentIds: string[] = []) {
	const handlers = new Map<string, Array<() => void>>();
	const client = {
		segmentIds,
		event: {
			subscribe: vi.fn((eventName: string, _context: unknown, handler: () => void) => {
				handlers.set(eventName, [...(handlers.get(eventName) ?? []), handler]);
			}),
		},
		getSegments: () => client.segmentIds.map((id) => ({ id })),
		handlePageView: vi.fn(() => 'page view'),
		fire(eventName: string): void {
			for (const handler of handlers.get(eventName) ?? []) handler();
		},
	};
	return client;
}

/** Lets pending promise callbacks run (fetch answers, microtasks) without moving fake time. */
export async function settle(): Promise<void> {
	for (let round = 0; round < 5; round++) await Promise.resolve();
}
