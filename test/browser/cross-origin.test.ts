import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import {
	fakeBlueConicScript,
	lastDelivered,
	launchChromium,
	openWatchedPage,
	pageHtml,
	sdkScript,
	sleep,
} from './browser.js';
import { TestServer } from './server.js';

// The publisher's pages and the collector on different origins of one site, as in production
// (www.example.com and collector.example.com): both names point at the loopback servers.
let browser: Browser;
let pages: TestServer;
let collector: TestServer;
let pageNumber = 0;

beforeAll(async () => {
	[pages, collector] = await Promise.all([TestServer.start(), TestServer.start()]);
	browser = await launchChromium(['--host-resolver-rules=MAP *.publisher.test 127.0.0.1, MAP foreign.test 127.0.0.1']);
});
afterAll(async () => {
	await Promise.all([browser?.close(), pages?.close(), collector?.close()]);
});
beforeEach(() => {
	pages.reset();
	collector.reset();
	collector.allowedOrigins.add(`http://www.publisher.test:${pages.port}`);
});

/** A page on `host` embedding the collector's script tag, with a session cookie for the whole site. */
async function openPageOn(host: string) {
	const path = `/cross-origin-${++pageNumber}`;
	const endpoint = collector.url('/plugins/public/blueconic/segments', 'collector.publisher.test');
	const html = pageHtml([
		fakeBlueConicScript({ 'data-segments': 'a' }),
		sdkScript({ 'data-endpoint': endpoint, 'data-max-attempts': '1' }, collector.url('', 'collector.publisher.test')),
	]);
	pages.page(path, html, { 'Set-Cookie': 'blaize_session=cross-site; Domain=publisher.test; Path=/; SameSite=Lax' });
	const watched = await openWatchedPage(browser);
	await watched.page.goto(pages.url(path, host));
	return watched;
}

test('posts to a collector on another origin with the session cookie, and reads its CORS answer', async () => {
	const { page } = await openPageOn('www.publisher.test');
	const [post] = await collector.waitForPosts(1);
	expect(post).toMatchObject({
		origin: `http://www.publisher.test:${pages.port}`,
		cookie: 'blaize_session=cross-site',
		body: '["a"]',
		allowed: true,
	});
	expect(collector.preflights).toEqual([{ origin: `http://www.publisher.test:${pages.port}`, allowed: true }]);
	// Only an exact, credentialed CORS answer lets the page see the 204 and count the report as delivered.
	await expect.poll(() => lastDelivered(page)).toEqual(['a']);
});

test('a page on a foreign origin is refused and never counts its report as delivered', async () => {
	const { page } = await openPageOn('foreign.test');
	await expect.poll(() => collector.preflights.length).toBe(1);
	await sleep(300);
	expect(collector.preflights).toEqual([{ origin: `http://foreign.test:${pages.port}`, allowed: false }]);
	expect(collector.posts.filter((post) => post.allowed)).toEqual([]);
	expect(await lastDelivered(page)).toBeUndefined();
});
