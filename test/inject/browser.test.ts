import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import Koa from 'koa';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { koaScriptInjection, scriptInjection } from '../../server/index.js';
import {
	cspViolationReporter,
	fakeBlueConicScript,
	lastDelivered,
	launchChromium,
	openWatchedPage,
	pageHtml,
	strictCspHeader,
} from '../browser/browser.js';
import { apiKey, type StartedCollector, startCollector } from '../server/collector-fixture.js';
import { compress, fetchRaw, type StartedServer, startServer } from './http-helpers.js';

/**
 * A site that cannot edit its templates: its pages never mention the SDK, yet in Chromium they post their
 * segments to a real collector, through the proxy or through the middleware in Express and Koa.
 */

const fakeBlueConicFile = fileURLToPath(new URL('../browser/fake-blueconic.js', import.meta.url));

interface OriginPage {
	html: string;
	headers?: Record<string, string>;
	/** Send it compressed this way (the browser accepts both). */
	encoding?: 'gzip' | 'br';
}

/** The publisher's pages, as any of the three servers below serve them. */
const pages = new Map<string, OriginPage>();
let pageNumber = 0;

function addPage(origin: OriginPage): string {
	const path = `/page-${++pageNumber}`;
	pages.set(path, origin);
	return path;
}

async function answerPage(req: IncomingMessage, res: ServerResponse): Promise<void> {
	const path = (req.url ?? '').split('?')[0] ?? '';
	if (path === '/fake-blueconic.js') {
		res.writeHead(200, { 'Content-Type': 'text/javascript' });
		res.end(await readFile(fakeBlueConicFile));
		return;
	}
	const page = pages.get(path);
	if (page === undefined) {
		res.writeHead(404, { 'Content-Type': 'text/plain' });
		res.end('no such page');
		return;
	}
	const body = page.encoding ? compress(page.html, page.encoding) : Buffer.from(page.html);
	res.writeHead(200, {
		'Content-Type': 'text/html; charset=utf-8',
		'Content-Length': body.length,
		'Cache-Control': 'no-store',
		...(page.encoding ? { 'Content-Encoding': page.encoding } : {}),
		...page.headers,
	});
	res.end(body);
}

let browser: Browser;
/** The publisher's origin, behind the proxy. */
let origin: StartedServer;
/** `serve` in proxy mode in front of `origin`: pages and collector on one origin. */
let proxy: StartedCollector;
/** Publisher apps with the middleware, and the collector they point their pages at (another origin). */
let expressSite: StartedServer;
let koaSite: StartedServer;
let collector: StartedCollector;

/** A server whose handler is set once the other servers' addresses are known. */
async function startLateServer(): Promise<{ started: StartedServer; setHandler(listener: RequestListener): void }> {
	let handler: RequestListener = (_req, res) => res.writeHead(503).end();
	const started = await startServer((req, res) => handler(req, res));
	return { started, setHandler: (listener) => (handler = listener) };
}

beforeAll(async () => {
	const [chromium, originServer, express_, koa_] = await Promise.all([launchChromium(), startServer((req, res) => void answerPage(req, res)), startLateServer(), startLateServer()]);
	browser = chromium;
	origin = originServer;
	expressSite = express_.started;
	koaSite = koa_.started;
	[proxy, collector] = await Promise.all([
		startCollector({ session: { validate: { type: 'memory' } }, sites: [{ host: '127.0.0.1' }], apiKeys: [apiKey], proxy: { origin: origin.url } }),
		startCollector({ session: { validate: { type: 'memory' } }, sites: [{ host: '127.0.0.1', origins: [expressSite.url, koaSite.url] }], apiKeys: [apiKey] }),
	]);
	const scriptUrl = `${collector.url}/plugins/public/blueconic/sdk.js`;

	const expressApp = express();
	expressApp.use(scriptInjection({ scriptUrl }));
	expressApp.use((req, res) => void answerPage(req, res));
	express_.setHandler(expressApp);

	const koaApp = new Koa();
	koaApp.use(koaScriptInjection({ scriptUrl }));
	koaApp.use(async (ctx) => {
		const page = pages.get(ctx.path);
		if (ctx.path === '/fake-blueconic.js') {
			ctx.type = 'text/javascript';
			ctx.body = await readFile(fakeBlueConicFile);
		} else if (page) {
			ctx.set(page.headers ?? {});
			ctx.body = page.html;
		}
	});
	koa_.setHandler(koaApp.callback());
});
afterAll(async () => {
	await Promise.all([browser?.close(), proxy?.stop(), collector?.stop(), origin?.close(), expressSite?.close(), koaSite?.close()]);
});

/** A new session of `at`'s collector, and the cookie header that hands it to the browser. */
function newSession(at: StartedCollector): { sessionId: string; cookie: Record<string, string> } {
	const sessionId = at.collector.memorySessions?.create() as string;
	return { sessionId, cookie: { 'Set-Cookie': `blaize_session=${sessionId}; Path=/; SameSite=Lax` } };
}

/** The segments `at`'s collector holds for a session, as a backend reads them (undefined: none yet). */
async function heldSegments(at: StartedCollector, sessionId: string): Promise<unknown> {
	const response = await fetchRaw(`${at.url}/plugins/blueconic/sessions/${sessionId}/segments`, { headers: { Authorization: `Bearer ${apiKey}` } });
	return response.status === 200 ? (JSON.parse(response.body.toString()) as { segments: unknown }).segments : undefined;
}

/** Opens `url` in a fresh context; resolves once its segments reached `at`'s collector. */
async function openAndExpectSegments(url: string, at: StartedCollector, sessionId: string, segments: string[]) {
	const watched = await openWatchedPage(browser);
	await watched.page.goto(url);
	await expect.poll(() => heldSegments(at, sessionId), { timeout: 20_000 }).toEqual(segments);
	// Delivered and acknowledged in the page too (the tag's controller).
	await expect.poll(() => lastDelivered(watched.page)).toEqual(segments);
	return watched;
}

/** How many times the page loads the SDK, and the attributes of the first tag that does. */
function sdkTags(watched: Awaited<ReturnType<typeof openWatchedPage>>) {
	return watched.page.evaluate(() =>
		[...document.querySelectorAll('script[src*="/plugins/public/blueconic/sdk.js"]')].map((script) =>
			Object.fromEntries([...script.attributes].map((attribute) => [attribute.name, attribute.value])),
		),
	);
}

describe('behind the proxy', () => {
	test('a page with no script tag posts its segments, with the session cookie set by the origin', async () => {
		const { sessionId, cookie } = newSession(proxy);
		const path = addPage({ html: pageHtml([fakeBlueConicScript({ 'data-segments': 'sports,news' })]), headers: cookie });
		const watched = await openAndExpectSegments(`${proxy.url}${path}`, proxy, sessionId, ['news', 'sports']);
		expect(await sdkTags(watched)).toEqual([
			{ async: '', src: '/plugins/public/blueconic/sdk.js', 'data-endpoint': '/plugins/public/blueconic/segments' },
		]);
		expect(watched.pageErrors).toEqual([]);
		await watched.context.close();
	});

	for (const encoding of ['gzip', 'br'] as const) {
		test(`a ${encoding} page from the origin posts its segments`, async () => {
			const { sessionId, cookie } = newSession(proxy);
			const path = addPage({ html: pageHtml([fakeBlueConicScript({ 'data-segments': encoding })]), headers: cookie, encoding });
			const watched = await openAndExpectSegments(`${proxy.url}${path}`, proxy, sessionId, [encoding]);
			await watched.context.close();
		});
	}

	test('a strict nonce CSP: the tag gets the page’s nonce, and nothing is blocked', async () => {
		const nonce = 'cHJveHktbm9uY2U';
		const { sessionId, cookie } = newSession(proxy);
		const path = addPage({
			html: pageHtml([cspViolationReporter(nonce), fakeBlueConicScript({ nonce, 'data-segments': 'csp' })]),
			headers: { ...cookie, ...strictCspHeader(nonce) },
		});
		const watched = await openAndExpectSegments(`${proxy.url}${path}`, proxy, sessionId, ['csp']);
		expect(watched.consoleMessages).toEqual([]);
		expect(watched.pageErrors).toEqual([]);
		await watched.context.close();
	});

	test("a strict hash-based CSP ('strict-dynamic', default-src 'none'): a nonce is added for the tag, nothing is blocked", async () => {
		// The page's one trusted inline script loads BlueConic (allowed by 'strict-dynamic').
		const inline =
			"addEventListener('securitypolicyviolation', (e) => console.error('csp: ' + e.violatedDirective));" +
			"const s = document.createElement('script'); s.src = '/fake-blueconic.js'; s.dataset.segments = 'hashed'; document.head.append(s);";
		const hash = createHash('sha256').update(inline).digest('base64');
		const { sessionId, cookie } = newSession(proxy);
		const path = addPage({
			html: pageHtml([`<script>${inline}</script>`]),
			headers: { ...cookie, 'Content-Security-Policy': `default-src 'none'; script-src 'sha256-${hash}' 'strict-dynamic'` },
		});
		const watched = await openAndExpectSegments(`${proxy.url}${path}`, proxy, sessionId, ['hashed']);
		expect(watched.consoleMessages).toEqual([]);
		expect(watched.pageErrors).toEqual([]);
		await watched.context.close();
	});

	test('a page that already has the tag is left alone: one tag, the page’s own', async () => {
		const { sessionId, cookie } = newSession(proxy);
		const ownTag = '<script src="/plugins/public/blueconic/sdk.js" data-max-attempts="2"></script>';
		const path = addPage({ html: pageHtml([fakeBlueConicScript({ 'data-segments': 'own' }), ownTag]), headers: cookie });
		const watched = await openAndExpectSegments(`${proxy.url}${path}`, proxy, sessionId, ['own']);
		expect(await sdkTags(watched)).toEqual([{ src: '/plugins/public/blueconic/sdk.js', 'data-max-attempts': '2' }]);
		await watched.context.close();
	});
});

describe('behind the middleware, with the collector on another origin', () => {
	for (const [name, site] of [
		['Express', () => expressSite],
		['Koa', () => koaSite],
	] as const) {
		test(`${name}: a page with no script tag posts its segments to the collector`, async () => {
			const { sessionId, cookie } = newSession(collector);
			const path = addPage({ html: pageHtml([fakeBlueConicScript({ 'data-segments': name.toLowerCase() })]), headers: cookie });
			const watched = await openAndExpectSegments(`${site().url}${path}`, collector, sessionId, [name.toLowerCase()]);
			expect(await sdkTags(watched)).toEqual([
				{
					async: '',
					src: `${collector.url}/plugins/public/blueconic/sdk.js`,
					'data-endpoint': `${collector.url}/plugins/public/blueconic/segments`,
				},
			]);
			expect(watched.pageErrors).toEqual([]);
			await watched.context.close();
		});
	}

	test('Express: a strict nonce CSP stays violation-free, the collector added to connect-src', async () => {
		const nonce = 'ZXhwcmVzcy1ub25jZQ';
		const { sessionId, cookie } = newSession(collector);
		const path = addPage({
			html: pageHtml([cspViolationReporter(nonce), fakeBlueConicScript({ nonce, 'data-segments': 'strict' })]),
			headers: { ...cookie, ...strictCspHeader(nonce) },
		});
		const watched = await openAndExpectSegments(`${expressSite.url}${path}`, collector, sessionId, ['strict']);
		expect(watched.consoleMessages).toEqual([]);
		await watched.context.close();
	});
});
