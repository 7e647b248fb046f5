import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { fakeBlueConicScript, launchChromium, openWatchedPage, pageHtml, sdkScript, sessionCookieHeader, sleep } from './browser.js';
import { TestServer } from './server.js';

let browser: Browser;
let server: TestServer;
let pageNumber = 0;

beforeAll(async () => {
	[browser, server] = await Promise.all([launchChromium(), TestServer.start()]);
});
afterAll(async () => {
	await Promise.all([browser?.close(), server?.close()]);
});
beforeEach(() => server.reset());

async function openPage(sdkAttributes: Record<string, string>) {
	const path = `/delivery-${++pageNumber}`;
	server.page(path, pageHtml([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript(sdkAttributes)]), sessionCookieHeader);
	const watched = await openWatchedPage(browser);
	await watched.page.goto(server.url(path));
	return watched;
}

test('retries after a 503 and records the delivery', async () => {
	server.answerNext({ status: 503 });
	const { page } = await openPage({ 'data-retry-delay': '50' });
	const posts = await server.waitForPosts(2);
	expect(posts.map((post) => post.body)).toEqual(['["a"]', '["a"]']);
	await expect.poll(() => page.evaluate(() => window.BlueConicBridge?.lastDelivered())).toEqual(['a']);
});

test('waits as long as a 429 answer asks in Retry-After', async () => {
	server.answerNext({ status: 429, headers: { 'Retry-After': '1' } });
	await openPage({ 'data-retry-delay': '10' });
	const [first, second] = await server.waitForPosts(2, 5_000);
	// Without the header, the 10 ms backoff would have retried almost at once.
	expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
});

test('gives up after maxAttempts tries', async () => {
	server.answerNext({ status: 500 }, { status: 502 }, { status: 503 });
	const { page } = await openPage({ 'data-retry-delay': '20', 'data-max-attempts': '3' });
	await server.waitForPosts(3);
	await sleep(400);
	expect(server.posts).toHaveLength(3);
	expect(await page.evaluate(() => window.BlueConicBridge?.lastDelivered())).toBeUndefined();
});

test('does not retry a 4xx other than 408 and 429', async () => {
	server.answerNext({ status: 400 });
	await openPage({ 'data-retry-delay': '20' });
	await server.waitForPosts(1);
	await sleep(400);
	expect(server.posts).toHaveLength(1);
});

test('sends a report still waiting for its retry as a beacon when the visitor leaves the page', async () => {
	server.answerNext({ status: 503 });
	server.page('/elsewhere', pageHtml([]));
	const { page } = await openPage({ 'data-retry-delay': '20000' });
	await server.waitForPosts(1);
	await page.goto(server.url('/elsewhere'));
	const [, beacon] = await server.waitForPosts(2);
	expect(beacon).toMatchObject({ body: '["a"]', cookie: 'blaize_session=session-1' });
	expect(beacon?.contentType).toMatch(/^text\/plain/);
});
