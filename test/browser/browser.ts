import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { optionDefaults } from '../../sdk/options.js';
import { deliveredReportKey } from '../../sdk/storage.js';
import { TestServer } from './server.js';

const builtScript = fileURLToPath(new URL('../../dist/sdk/blueconic-bridge.min.js', import.meta.url));

/**
 * Registers the usual hooks of a browser test file: one Chromium and one test server for the file, the server's
 * records cleared before each test. The returned object is filled in once `beforeAll` has run.
 */
export function useBrowserAndServer(): { readonly browser: Browser; readonly server: TestServer } {
	const env = {} as { browser: Browser; server: TestServer };
	beforeAll(async () => {
		[env.browser, env.server] = await Promise.all([launchChromium(), TestServer.start()]);
	});
	afterAll(async () => {
		await Promise.all([env.browser?.close(), env.server?.close()]);
	});
	beforeEach(() => env.server.reset());
	return env;
}

/** One headless Chromium per test file. `extraArgs`: e.g. `--host-resolver-rules` for the cross-origin test. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
	// The tests run against the built files, like the sites that embed them.
	if (!existsSync(builtScript)) throw new Error('dist/sdk is missing: run `npm run build:sdk` first');
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			...extraArgs,
		],
	});
}

/** A page plus everything its scripts wrote to the console, and every uncaught error. */
export interface WatchedPage {
	page: Page;
	context: BrowserContext;
	consoleMessages: string[];
	pageErrors: string[];
}

/** A new tab in a fresh context (its own cookies and sessionStorage), watched for console output and errors. */
export async function openWatchedPage(browser: Browser): Promise<WatchedPage> {
	const context = await browser.newContext();
	const page = await context.newPage();
	const watched: WatchedPage = { page, context, consoleMessages: [], pageErrors: [] };
	page.on('console', (message) => {
		// Chromium's own network log (a 4xx answer, a missing favicon) is not the page's output.
		if (message.text().startsWith('Failed to load resource')) return;
		watched.consoleMessages.push(`${message.type()}: ${message.text()}`);
	});
	page.on('pageerror', (error) => watched.pageErrors.push(error.message));
	return watched;
}

/** The tab's record of its last delivery to `endpoint` (see sdk/storage.ts: `<deliveredAt>|<fingerprint>|<report>`). */
export function deliveryRecord(page: Page, endpoint = optionDefaults.endpoint): Promise<string | null> {
	return page.evaluate((key) => sessionStorage.getItem(key), deliveredReportKey(endpoint));
}

/** What the script tag's `BlueConicBridge.lastDelivered()` answers in the page. */
export function lastDelivered(page: Page): Promise<readonly string[] | undefined> {
	return page.evaluate(() => window.BlueConicBridge?.lastDelivered());
}

/** Resolves after `ms` milliseconds (at once for a negative `ms`, which a deadline already passed gives). */
export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Attributes for a tag, `data-*` names included; `true` writes the bare attribute. */
export type Attributes = Record<string, string | true>;

export function attributes(values: Attributes): string {
	return Object.entries(values)
		.map(([name, value]) => (value === true ? ` ${name}` : ` ${name}="${value}"`))
		.join('');
}

/** A page with the given scripts (in order) in its head. */
export function pageHtml(scripts: string[], body = ''): string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>test</title>${scripts.join('')}</head><body>${body}</body></html>`;
}

/** The script-tag build, from the page's own server or from `origin`. */
export function sdkScript(values: Attributes = {}, origin = ''): string {
	return `<script src="${origin}/sdk/blueconic-bridge.min.js"${attributes(values)}></script>`;
}

/** An inline script (with `nonce`) that reports every CSP violation to the console, where tests look; plus `extra`. */
export function cspViolationReporter(nonce: string, extra = ''): string {
	return `<script nonce="${nonce}">addEventListener('securitypolicyviolation', (e) => console.error('csp: ' + e.violatedDirective));${extra}</script>`;
}

/** A strict Content-Security-Policy: scripts only with `nonce`, requests only to the page's own origin. */
export function strictCspHeader(nonce: string): Record<string, string> {
	return { 'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'` };
}

/** The fake BlueConic client; `data-segments` and `data-delay` steer it. */
export function fakeBlueConicScript(values: Attributes = {}): string {
	return `<script src="/fake-blueconic.js"${attributes(values)}></script>`;
}

/** The session cookie the collector would look for. */
export const sessionCookieHeader = { 'Set-Cookie': 'blaize_session=session-1; Path=/; SameSite=Lax' };

/** What `fake-blueconic.js` exposes to the tests. */
export interface FakeBlueConic {
	/** Event names the SDK subscribed to, once per subscription. */
	subscriptions: string[];
	setSegments(segmentIds: string[]): void;
	setRawSegments(list: unknown): void;
	setSegmentsAfterPageView(segmentIds: string[]): void;
	fire(eventName: string): void;
}

declare global {
	interface Window {
		fakeBlueConic: FakeBlueConic;
	}
}
