import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import {
	cspViolationReporter,
	deliveryRecord,
	fakeBlueConicScript,
	lastDelivered,
	openWatchedPage,
	pageHtml,
	sdkScript,
	sessionCookieHeader,
	sleep,
	strictCspHeader,
	useBrowserAndServer,
} from './browser.js';

const snippetBody = readFileSync(new URL('../../dist/sdk/snippet.min.js', import.meta.url), 'utf8');
const nonce = 'c25pcHBldA';

const env = useBrowserAndServer();
let pageNumber = 0;

/** The snippet pasted inline, as a site would, under a strict nonce-based CSP; plus any inline test script. */
async function openPage(options: { blueConicFirst: boolean; fakeAttributes?: Record<string, string>; inline?: string }) {
	const path = `/snippet-${++pageNumber}`;
	const fake = fakeBlueConicScript({ nonce, ...options.fakeAttributes });
	const snippet = `<script nonce="${nonce}" data-endpoint="/collector/segments">${snippetBody}</script>`;
	const scripts = [
		cspViolationReporter(nonce, options.inline),
		...(options.blueConicFirst ? [fake, snippet] : [snippet, fake]),
	];
	env.server.page(path, pageHtml(scripts), { ...sessionCookieHeader, ...strictCspHeader(nonce) });
	const watched = await openWatchedPage(env.browser);
	await watched.page.goto(env.server.url(path));
	return watched;
}

test('posts when BlueConic loaded first, as text/plain with the session cookie, under a nonce CSP', async () => {
	const { consoleMessages, pageErrors } = await openPage({ blueConicFirst: true, fakeAttributes: { 'data-segments': 'b,a' } });
	const [post] = await env.server.waitForPosts(1);
	expect(post).toMatchObject({ path: '/collector/segments', body: '["a","b"]', cookie: 'blaize_session=session-1' });
	expect(post?.contentType).toMatch(/^text\/plain/);
	expect(consoleMessages).toEqual([]);
	expect(pageErrors).toEqual([]);
});

test('posts when BlueConic arrives after the snippet', async () => {
	await openPage({ blueConicFirst: false, fakeAttributes: { 'data-segments': 'late', 'data-delay': '300' } });
	const [post] = await env.server.waitForPosts(1);
	expect(post?.body).toBe('["late"]');
});

test('posts a changed set after a BlueConic event, but not an unchanged one, nor again after a reload', async () => {
	// Delivered and recorded: the server has a post before the page has its answer, and a reload in between
	// would rightly post the unconfirmed report again.
	const page = await openDeliveredPage();
	await page.evaluate(() => window.fakeBlueConic.fire('PAGEVIEW'));
	await page.reload();
	await sleep(400);
	expect(env.server.posts).toHaveLength(1);
	await page.evaluate(() => {
		window.fakeBlueConic.setSegments(['c']);
		window.fakeBlueConic.fire('onEventReady');
	});
	const posts = await env.server.waitForPosts(2);
	expect(posts[1]?.body).toBe('["c"]');
});

test('retries after a 503', async () => {
	env.server.answerNext({ status: 503, headers: { 'Retry-After': '0' } });
	await openPage({ blueConicFirst: true, fakeAttributes: { 'data-segments': 'a' } });
	const posts = await env.server.waitForPosts(2);
	expect(posts.map((post) => post.body)).toEqual(['["a"]', '["a"]']);
});

test('posts with keepalive, so that a report sent as the page is left still arrives', async () => {
	env.server.page('/elsewhere', pageHtml([]));
	const { page } = await openPage({
		blueConicFirst: true,
		fakeAttributes: { 'data-segments': 'a' },
		inline: [
			// Chromium may still deliver a plain fetch started this late, so the flag itself is checked too.
			`const originalFetch = fetch; window.keepaliveFlags = [];`,
			`window.fetch = (url, init) => { keepaliveFlags.push(init.keepalive); return originalFetch(url, init); };`,
			`addEventListener('pagehide', () => { fakeBlueConic.setSegments(['leaving']); fakeBlueConic.fire('onEventReady'); });`,
		].join(''),
	});
	await env.server.waitForPosts(1);
	expect(await page.evaluate(() => (window as unknown as { keepaliveFlags: unknown[] }).keepaliveFlags)).toEqual([true]);
	await page.goto(env.server.url('/elsewhere'));
	const posts = await env.server.waitForPosts(2);
	expect(posts[1]?.body).toBe('["leaving"]');
});

/** A page where the snippet has delivered `["a"]` and written its record. */
async function openDeliveredPage() {
	const { page } = await openPage({ blueConicFirst: true, fakeAttributes: { 'data-segments': 'a' } });
	await env.server.waitForPosts(1);
	await expect.poll(() => deliveryRecord(page, '/collector/segments')).toMatch(/\|\["a"\]$/);
	return page;
}

test('posts an unchanged set again on a BlueConic event once its delivery is ten minutes old', async () => {
	const page = await openDeliveredPage();
	await page.evaluate(() => window.fakeBlueConic.fire('onEventReady'));
	await sleep(200);
	expect(env.server.posts).toHaveLength(1);
	// Ten minutes later, as far as the page's clock can tell.
	await page.evaluate(() => {
		const now = Date.now.bind(Date);
		Date.now = () => now() + 600_001;
		window.fakeBlueConic.fire('onEventReady');
	});
	const posts = await env.server.waitForPosts(2);
	expect(posts[1]?.body).toBe('["a"]');
});

test('posts an unchanged set again once the readable session cookie changed', async () => {
	const page = await openDeliveredPage();
	await page.evaluate(() => {
		document.cookie = 'blaize_session=signed-in; path=/';
		window.fakeBlueConic.fire('PAGEVIEW');
	});
	const posts = await env.server.waitForPosts(2);
	expect(posts[1]).toMatchObject({ body: '["a"]', cookie: 'blaize_session=signed-in' });
});

test('writes the record the script tag reads: no second post for the same set on its next page in the tab', async () => {
	const page = await openDeliveredPage();
	env.server.page(
		'/snippet-then-script-tag',
		pageHtml([
			fakeBlueConicScript({ 'data-segments': 'a' }),
			sdkScript({ 'data-endpoint': '/collector/segments' }),
		]),
	);
	await page.goto(env.server.url('/snippet-then-script-tag'));
	await expect.poll(() => lastDelivered(page)).toEqual(['a']);
	await sleep(300);
	expect(env.server.posts).toHaveLength(1);
});
