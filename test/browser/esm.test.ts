import { expect, test } from 'vitest';
import type { SegmentSync } from '../../sdk/index.js';
import { deliveryRecord, fakeBlueConicScript, openWatchedPage, pageHtml, sessionCookieHeader, sleep, useBrowserAndServer } from './browser.js';

/** What the test page's module leaves on `window`. */
interface EsmPage {
	segmentSync: SegmentSync;
	reportedErrors: string[];
}

const env = useBrowserAndServer();
let pageNumber = 0;

/** A page importing the ESM build as a module, as a bundled app would, with these options. */
async function openPage(options: string) {
	const path = `/esm-${++pageNumber}`;
	const module = `<script type="module">
		import { startSegmentSync } from '/sdk/index.js';
		window.reportedErrors = [];
		window.segmentSync = startSegmentSync({ endpoint: '/api/segments', retryDelay: 20, onError: (error) => reportedErrors.push(error.message), ${options} });
	</script>`;
	env.server.page(path, pageHtml([fakeBlueConicScript({ 'data-segments': 'a' }), module]), sessionCookieHeader);
	const watched = await openWatchedPage(env.browser);
	await watched.page.goto(env.server.url(path));
	await watched.page.waitForFunction(() => 'segmentSync' in window);
	return watched;
}

test('the module build posts, and flush() resolves once a changed set is delivered', async () => {
	const { page } = await openPage('');
	const [post] = await env.server.waitForPosts(1);
	expect(post).toMatchObject({ path: '/api/segments', body: '["a"]', contentType: 'application/json' });
	const deliveredAfterFlush = await page.evaluate(async () => {
		const esm = window as unknown as Window & EsmPage;
		window.fakeBlueConic.setSegments(['b']);
		await esm.segmentSync.flush();
		return esm.segmentSync.lastDelivered();
	});
	expect(deliveredAfterFlush).toEqual(['b']);
	expect(env.server.posts).toHaveLength(2);
});

test('a refused report goes to onError, and flush() still resolves', async () => {
	env.server.answerNext({ status: 400 });
	const { page, consoleMessages } = await openPage('');
	await env.server.waitForPosts(1);
	await expect
		.poll(() => page.evaluate(() => (window as unknown as EsmPage).reportedErrors))
		.toEqual(['blueconic-bridge: post failed: 400']);
	env.server.answerNext({ status: 422 });
	const flushed = await page.evaluate(async () => {
		window.fakeBlueConic.setSegments(['b']);
		await (window as unknown as EsmPage).segmentSync.flush();
		return 'resolved';
	});
	expect(flushed).toBe('resolved');
	expect(consoleMessages).toEqual([]);
});

test('with debug on, failures also go to the console', async () => {
	env.server.answerNext({ status: 400 });
	const { consoleMessages } = await openPage('debug: true');
	await env.server.waitForPosts(1);
	await expect.poll(() => consoleMessages.join('\n')).toContain('post failed: 400');
});

test('stop() ends posting', async () => {
	const { page } = await openPage('');
	await env.server.waitForPosts(1);
	await page.evaluate(() => {
		(window as unknown as EsmPage).segmentSync.stop();
		window.fakeBlueConic.setSegments(['b']);
		window.fakeBlueConic.fire('onEventReady');
	});
	await sleep(300);
	expect(env.server.posts).toHaveLength(1);
});

test('BlueConic throwing reaches onError, never the page', async () => {
	const { page, pageErrors } = await openPage('');
	await env.server.waitForPosts(1);
	await page.evaluate(() => {
		(window.blueConicClient as { getSegments(): unknown }).getSegments = () => {
			throw new Error('getSegments broke');
		};
		window.fakeBlueConic.fire('onEventReady');
	});
	expect(await page.evaluate(() => (window as unknown as EsmPage).reportedErrors)).toEqual(['getSegments broke']);
	expect(pageErrors).toEqual([]);
});

test('the module build takes refreshInterval and flush({ force: true })', async () => {
	// Long enough that a slow machine still makes the unforced flush well inside the interval.
	const refreshIntervalMs = 5_000;
	const { page } = await openPage(`refreshInterval: ${refreshIntervalMs}`);
	await env.server.waitForPosts(1);
	await expect.poll(() => page.evaluate(() => (window as unknown as EsmPage).segmentSync.lastDelivered())).toEqual(['a']);
	await page.evaluate(() => (window as unknown as EsmPage).segmentSync.flush({ force: true }));
	expect(env.server.posts.map((post) => post.body)).toEqual(['["a"]', '["a"]']);
	// The page's own stamp of the forced delivery (the record starts with it): the refresh interval counts from it.
	const forcedAt = parseInt((await deliveryRecord(page, '/api/segments')) ?? '');
	await page.evaluate(() => (window as unknown as EsmPage).segmentSync.flush());
	expect(Date.now() - forcedAt).toBeLessThan(refreshIntervalMs); // else this run proves nothing
	expect(env.server.posts).toHaveLength(2);
	await sleep(forcedAt + refreshIntervalMs + 100 - Date.now());
	await page.evaluate(() => (window as unknown as EsmPage).segmentSync.flush());
	expect(env.server.posts).toHaveLength(3);
});
