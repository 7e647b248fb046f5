import { describe, expect, test } from 'vitest';
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

const env = useBrowserAndServer();
let pageNumber = 0;

/** Serves a page made of these scripts at a new path and opens it in a new tab of a fresh context. */
async function openPage(scripts: string[]) {
	const path = `/script-tag-${++pageNumber}`;
	env.server.page(path, pageHtml(scripts), sessionCookieHeader);
	const watched = await openWatchedPage(env.browser);
	await watched.page.goto(env.server.url(path));
	return watched;
}

describe('ready detection', () => {
	test('posts the segment ids, sorted, with the session cookie, when BlueConic loaded first', async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'seg-b,seg-a' }), sdkScript()]);
		const [post] = await env.server.waitForPosts(1);
		expect(post).toMatchObject({
			path: '/plugins/public/blueconic/segments',
			contentType: 'application/json',
			cookie: 'blaize_session=session-1',
			body: '["seg-a","seg-b"]',
		});
		await expect.poll(() => lastDelivered(page)).toEqual(['seg-a', 'seg-b']);
	});

	test('posts once BlueConic arrives after the script', async () => {
		await openPage([sdkScript(), fakeBlueConicScript({ 'data-segments': 'late', 'data-delay': '300' })]);
		const [post] = await env.server.waitForPosts(1);
		expect(post?.body).toBe('["late"]');
	});

	test('posts an empty report when the visitor is in no segment', async () => {
		await openPage([fakeBlueConicScript(), sdkScript()]);
		const [post] = await env.server.waitForPosts(1);
		expect(post?.body).toBe('[]');
	});

	test('gives up quietly when BlueConic never loads, and ignores it arriving after the timeout', async () => {
		const { page, consoleMessages, pageErrors } = await openPage([
			sdkScript({ 'data-timeout': '200' }),
			fakeBlueConicScript({ 'data-segments': 'too-late', 'data-delay': '500' }),
		]);
		// BlueConic has arrived (else this run proves nothing), and had time to fire its events.
		await page.waitForFunction(() => window.blueConicClient !== undefined);
		await sleep(300);
		expect(env.server.posts).toEqual([]);
		expect(consoleMessages).toEqual([]);
		expect(pageErrors).toEqual([]);
	});

	test('drops what the collector would refuse: non-strings, duplicates, ids over 200 characters', async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript()]);
		await env.server.waitForPosts(1);
		await page.evaluate(() => {
			window.fakeBlueConic.setRawSegments([{ id: 'b' }, { id: 'a' }, { id: 'b' }, { id: 7 }, null, { id: 'x'.repeat(201) }]);
			window.fakeBlueConic.fire('onEventReady');
		});
		const posts = await env.server.waitForPosts(2);
		expect(posts[1]?.body).toBe('["a","b"]');
	});
});

describe('posting on change', () => {
	test('posts again after a BlueConic event shows a new set, and not when the set is unchanged', async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript()]);
		await env.server.waitForPosts(1);
		await page.evaluate(() => window.fakeBlueConic.fire('PAGEVIEW'));
		await page.evaluate(() => window.fakeBlueConic.setSegments(['a']));
		await page.evaluate(() => window.fakeBlueConic.fire('onBeforeInteractions'));
		await sleep(300);
		expect(env.server.posts).toHaveLength(1);
		await page.evaluate(() => {
			window.fakeBlueConic.setSegments(['b', 'a']);
			window.fakeBlueConic.fire('onEventReady');
		});
		const posts = await env.server.waitForPosts(2);
		expect(posts[1]?.body).toBe('["a","b"]');
	});

	test('posts again after history.pushState once BlueConic had time to recompute', async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript({ 'data-navigation-delay': '100' })]);
		await env.server.waitForPosts(1);
		await page.evaluate(() => {
			window.fakeBlueConic.setSegments(['spa']);
			history.pushState({}, '', '/spa-article');
		});
		const posts = await env.server.waitForPosts(2);
		expect(posts[1]?.body).toBe('["spa"]');
	});

	test("re-reads after BlueConic's handlePageView round trip, passing its result through", async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript({ 'data-navigation-delay': '150' })]);
		await env.server.waitForPosts(1);
		const result = await page.evaluate(() => {
			window.fakeBlueConic.setSegmentsAfterPageView(['after-round-trip']);
			return (window.blueConicClient as { handlePageView(): unknown }).handlePageView();
		});
		expect(result).toBe('page view registered');
		const posts = await env.server.waitForPosts(2);
		expect(posts[1]?.body).toBe('["after-round-trip"]');
	});

	test('re-reads after back navigation (popstate)', async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript({ 'data-navigation-delay': '100' })]);
		await env.server.waitForPosts(1);
		// The SDK's pushState wrapper posts nothing for an unchanged set; only the change below can cause a post.
		await page.evaluate(() => history.pushState({}, '', '/second'));
		await sleep(600);
		await page.evaluate(() => {
			window.fakeBlueConic.setSegments(['back']);
			history.back();
		});
		const posts = await env.server.waitForPosts(2);
		expect(posts[1]?.body).toBe('["back"]');
	});

	test('does not post an unchanged set again after a reload of the same tab, but does in a new tab', async () => {
		const { page, context } = await openPage([fakeBlueConicScript({ 'data-segments': 'a,b' }), sdkScript()]);
		await env.server.waitForPosts(1);
		// The server has the post before the page has its answer; a reload in between leaves an unconfirmed report,
		// which the SDK rightly sends again (as a beacon on leaving, then from the new page).
		await expect.poll(() => lastDelivered(page)).toEqual(['a', 'b']);
		await page.reload();
		await page.waitForFunction(() => window.BlueConicBridge !== undefined);
		await expect.poll(() => page.evaluate(() => window.blueConicClient !== undefined)).toBe(true);
		await sleep(400);
		expect(env.server.posts).toHaveLength(1);
		expect(await lastDelivered(page)).toEqual(['a', 'b']);

		const newTab = await context.newPage();
		await newTab.goto(page.url());
		await env.server.waitForPosts(2);
	});
});

describe('keeping the collector\'s report alive', () => {
	test('posts an unchanged set again on the first BlueConic event after data-refresh-interval, not before', async () => {
		// Long enough that a slow machine still fires the first event well inside the interval.
		const refreshIntervalMs = 5_000;
		const { page } = await openPage([
			fakeBlueConicScript({ 'data-segments': 'a' }),
			sdkScript({ 'data-refresh-interval': String(refreshIntervalMs) }),
		]);
		await env.server.waitForPosts(1);
		await expect.poll(() => lastDelivered(page)).toEqual(['a']);
		// The page's own stamp (the record starts with it), not the time the server had the post: the page reads
		// the answer later, and its age counts from then.
		const deliveredAt = parseInt((await deliveryRecord(page)) ?? '');
		await page.evaluate(() => window.fakeBlueConic.fire('onEventReady'));
		await sleep(100);
		expect(Date.now() - deliveredAt).toBeLessThan(refreshIntervalMs); // else this run proves nothing
		expect(env.server.posts).toHaveLength(1);
		await sleep(deliveredAt + refreshIntervalMs + 100 - Date.now());
		// No timer of its own: only a read (here a BlueConic event) posts.
		expect(env.server.posts).toHaveLength(1);
		await page.evaluate(() => window.fakeBlueConic.fire('onEventReady'));
		const posts = await env.server.waitForPosts(2);
		expect(posts[1]).toMatchObject({ body: '["a"]', cookie: 'blaize_session=session-1' });
	});

	test('posts an unchanged set again once the readable session cookie changed (a sign-in without a reload)', async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript()]);
		await env.server.waitForPosts(1);
		await expect.poll(() => lastDelivered(page)).toEqual(['a']);
		await page.evaluate(() => window.fakeBlueConic.fire('onEventReady'));
		await sleep(200);
		expect(env.server.posts).toHaveLength(1);
		const recordBeforeSignIn = await deliveryRecord(page);
		await page.evaluate(() => {
			document.cookie = 'blaize_session=signed-in; path=/';
			window.fakeBlueConic.fire('onEventReady');
		});
		const posts = await env.server.waitForPosts(2);
		expect(posts[1]).toMatchObject({ body: '["a"]', cookie: 'blaize_session=signed-in' });
		// The stored record keeps a fingerprint of the cookie, never the cookie itself.
		await expect.poll(() => deliveryRecord(page)).not.toBe(recordBeforeSignIn);
		const record = await deliveryRecord(page);
		expect(record).toMatch(/^\d+\|-?\d+\|\["a"\]$/);
		expect(record).not.toContain('signed-in');
	});

	test('after a reload with a new session cookie, posts the unchanged set again', async () => {
		// A page that sets no cookie itself: the test does, as a sign-in elsewhere in the site would.
		const path = `/script-tag-${++pageNumber}`;
		env.server.page(path, pageHtml([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript()]));
		const { page, context } = await openWatchedPage(env.browser);
		await context.addCookies([{ name: 'blaize_session', value: 'session-1', url: env.server.url('/') }]);
		await page.goto(env.server.url(path));
		await env.server.waitForPosts(1);
		await expect.poll(() => lastDelivered(page)).toEqual(['a']);
		await page.reload();
		await page.waitForFunction(() => window.BlueConicBridge !== undefined);
		await sleep(300);
		expect(env.server.posts).toHaveLength(1);
		await context.addCookies([{ name: 'blaize_session', value: 'session-2', url: env.server.url('/') }]);
		await page.reload();
		const posts = await env.server.waitForPosts(2);
		expect(posts[1]).toMatchObject({ body: '["a"]', cookie: 'blaize_session=session-2' });
	});

	test('flush({ force: true }) posts an unchanged set, for a session change the page cannot see (HttpOnly)', async () => {
		const path = `/script-tag-${++pageNumber}`;
		env.server.page(path, pageHtml([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript()]), {
			'Set-Cookie': 'blaize_session=hidden; Path=/; HttpOnly; SameSite=Lax',
		});
		const { page } = await openWatchedPage(env.browser);
		await page.goto(env.server.url(path));
		await env.server.waitForPosts(1);
		await expect.poll(() => lastDelivered(page)).toEqual(['a']);
		await page.evaluate(() => window.fakeBlueConic.fire('onEventReady'));
		await sleep(200);
		expect(env.server.posts).toHaveLength(1);
		const flushed = await page.evaluate(async () => {
			await window.BlueConicBridge?.flush({ force: true });
			return window.BlueConicBridge?.lastDelivered();
		});
		expect(flushed).toEqual(['a']);
		expect(env.server.posts.map((post) => post.body)).toEqual(['["a"]', '["a"]']);
		expect(env.server.posts[1]?.cookie).toBe('blaize_session=hidden');
	});
});

describe('consent', () => {
	test("holds every post until setConsent(true), then stops again after setConsent(false)", async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript({ 'data-consent': 'required' })]);
		await sleep(400);
		expect(env.server.posts).toEqual([]);

		await page.evaluate(() => window.BlueConicBridge?.setConsent(true));
		const [post] = await env.server.waitForPosts(1);
		expect(post?.body).toBe('["a"]');

		await page.evaluate(() => {
			window.BlueConicBridge?.setConsent(false);
			window.fakeBlueConic.setSegments(['b']);
			window.fakeBlueConic.fire('onEventReady');
		});
		await sleep(300);
		expect(env.server.posts).toHaveLength(1);
	});
});

describe('embedding', () => {
	test('starts once when the script is included twice', async () => {
		const { page } = await openPage([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript(), sdkScript()]);
		await env.server.waitForPosts(1);
		await sleep(300);
		expect(env.server.posts).toHaveLength(1);
		expect(await page.evaluate(() => window.fakeBlueConic.subscriptions)).toEqual([
			'onEventReady',
			'onBeforeInteractions',
			'PAGEVIEW',
		]);
	});

	test('works under a strict nonce-based Content-Security-Policy, with nothing blocked', async () => {
		const nonce = 'c2NyaXB0LXRhZw';
		const path = `/script-tag-csp-${++pageNumber}`;
		env.server.page(
			path,
			pageHtml([
				cspViolationReporter(nonce),
				fakeBlueConicScript({ nonce, 'data-segments': 'csp' }),
				sdkScript({ nonce }),
			]),
			{ ...sessionCookieHeader, ...strictCspHeader(nonce) },
		);
		const { page, consoleMessages, pageErrors } = await openWatchedPage(env.browser);
		await page.goto(env.server.url(path));
		const [post] = await env.server.waitForPosts(1);
		expect(post?.body).toBe('["csp"]');
		expect(consoleMessages).toEqual([]);
		expect(pageErrors).toEqual([]);
	});
});
