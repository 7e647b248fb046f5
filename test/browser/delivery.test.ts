import { expect, test } from 'vitest';
import {
	fakeBlueConicScript,
	lastDelivered,
	openWatchedPage,
	pageHtml,
	sdkScript,
	sessionCookieHeader,
	sleep,
	useBrowserAndServer,
} from './browser.js';

const env = useBrowserAndServer();
let pageNumber = 0;

async function openPage(sdkAttributes: Record<string, string>) {
	const path = `/delivery-${++pageNumber}`;
	env.server.page(path, pageHtml([fakeBlueConicScript({ 'data-segments': 'a' }), sdkScript(sdkAttributes)]), sessionCookieHeader);
	const watched = await openWatchedPage(env.browser);
	await watched.page.goto(env.server.url(path));
	return watched;
}

test('retries after a 503 and records the delivery', async () => {
	env.server.answerNext({ status: 503 });
	const { page } = await openPage({ 'data-retry-delay': '50' });
	const posts = await env.server.waitForPosts(2);
	expect(posts.map((post) => post.body)).toEqual(['["a"]', '["a"]']);
	await expect.poll(() => lastDelivered(page)).toEqual(['a']);
});

test('waits as long as a 429 answer asks in Retry-After', async () => {
	env.server.answerNext({ status: 429, headers: { 'Retry-After': '1' } });
	await openPage({ 'data-retry-delay': '10' });
	const [first, second] = await env.server.waitForPosts(2, 5_000);
	// Without the header, the 10 ms backoff would have retried almost at once.
	expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
});

test('gives up after maxAttempts tries', async () => {
	env.server.answerNext({ status: 500 }, { status: 502 }, { status: 503 });
	const { page } = await openPage({ 'data-retry-delay': '20', 'data-max-attempts': '3' });
	await env.server.waitForPosts(3);
	await sleep(400);
	expect(env.server.posts).toHaveLength(3);
	expect(await lastDelivered(page)).toBeUndefined();
});

test('does not retry a 4xx other than 408 and 429', async () => {
	env.server.answerNext({ status: 400 });
	await openPage({ 'data-retry-delay': '20' });
	await env.server.waitForPosts(1);
	await sleep(400);
	expect(env.server.posts).toHaveLength(1);
});

test('sends a report still waiting for its retry as a beacon when the visitor leaves the page', async () => {
	env.server.answerNext({ status: 503 });
	env.server.page('/elsewhere', pageHtml([]));
	const { page } = await openPage({ 'data-retry-delay': '20000' });
	await env.server.waitForPosts(1);
	// Time for the page to read the 503 and schedule its retry (the page shows no sign of it to wait for).
	await sleep(500);
	await page.goto(env.server.url('/elsewhere'));
	const [, beacon] = await env.server.waitForPosts(2);
	expect(beacon).toMatchObject({ body: '["a"]', cookie: 'blaize_session=session-1' });
	expect(beacon?.contentType).toMatch(/^text\/plain/);
});
