import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDemo, startDemo } from '../../demo/server.js';
import { launchChromium } from '../browser/browser.js';

let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
	demo = await startDemo({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
	browser = await launchChromium();
});

afterAll(async () => {
	await browser?.close();
	await demo?.stop();
});

/** A fresh browser profile on the demo page, failing the test on any CSP violation or page error. */
async function openDemo(): Promise<{ page: Page; problems: string[] }> {
	const context = await browser.newContext();
	const page = await context.newPage();
	const problems: string[] = [];
	page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
	page.on('console', (message) => {
		if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
	});
	await page.goto(demo.url);
	return { page, problems };
}

/** Waits for the offer to show `expected` (a decision, or the code of the collector's error answer). */
async function offerResult(page: Page, expected: string, badge = expected): Promise<void> {
	await expect.poll(() => page.getAttribute('#offer', 'data-result')).toBe(expected);
	expect(await page.textContent('#offer-result')).toBe(badge);
}

/** What the collector answers a decision without a session, and so what a signed-out page shows. */
async function signedOutOffer(page: Page): Promise<void> {
	await offerResult(page, 'session_missing', '401 session_missing');
	expect(await page.textContent('#offer-text')).toContain('401 session_missing');
}

/** The demo session's id, from the page's cookie (the decision tester takes it pasted). */
async function sessionCookie(page: Page): Promise<string> {
	const cookie = (await page.context().cookies()).find((entry) => entry.name === 'blaize_session');
	if (!cookie) throw new Error('not signed in');
	return cookie.value;
}

/** Every answer to a segment report the page got, by status. */
function segmentPostStatuses(page: Page): number[] {
	const statuses: number[] = [];
	page.on('response', (response) => {
		if (new URL(response.url()).pathname === '/plugins/public/blueconic/segments') statuses.push(response.status());
	});
	return statuses;
}

describe('the demo', () => {
	it('serves the built SDK script (run `npm run build` if this fails)', async () => {
		const response = await fetch(`${demo.url}/plugins/public/blueconic/sdk.js`);
		expect(response.status, 'dist/sdk/blueconic-bridge.min.js is missing: run `npm run build`').toBe(200);
	});

	it('prints a localhost URL and answers the page with a strict CSP', async () => {
		expect(demo.url).toMatch(/^http:\/\/localhost:\d+$/);
		const response = await fetch(demo.url);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
		const scriptTags = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
		expect(scriptTags.length).toBeGreaterThan(0);
		for (const tag of scriptTags) expect(tag, 'no inline scripts').toContain(' src=');
	});

	it('shows the signed-out state, then reports segments and flips the decision as the visitor picks them', async () => {
		const { page, problems } = await openDemo();

		// Signed out: no session, so the collector refuses to decide, and the page says what it answered.
		expect(await page.getAttribute('#account-state', 'data-signed-in')).toBe('false');
		await signedOutOffer(page);
		await expect.poll(() => page.getAttribute('#collector-segments', 'data-state')).toBe('signed-out');

		// Sign in: a session; BlueConic loads with no segments, the SDK reports the empty set: a "no".
		await page.fill('#email', 'jane@example.com');
		await page.click('#login');
		await page.waitForSelector('#account-state[data-signed-in="true"]');
		expect(await page.textContent('#account-state')).toContain('jane@example.com');
		await offerResult(page, 'no');
		await expect.poll(() => page.getAttribute('#collector-segments', 'data-state')).toBe('held');
		expect(await page.textContent('#collector-segments')).toBe('(none)');

		// A non-featured segment: reported, the decision stays "no".
		await page.check('#segment-choices input[value="tech-readers"]');
		await expect.poll(() => page.textContent('#collector-segments')).toBe('tech-readers');
		await offerResult(page, 'no');

		// The featured segment: the collector now answers "yes".
		await page.check('#segment-choices input[value="premium-prospects"]');
		await expect.poll(() => page.textContent('#collector-segments')).toBe('premium-prospects, tech-readers');
		await offerResult(page, 'yes');
		expect(await page.textContent('#offer-title')).toContain('Premium offer');
		// DEMO_SCREENSHOT=/tmp/demo.png keeps a picture of the page in this state, to check how it looks.
		if (process.env.DEMO_SCREENSHOT) await page.screenshot({ path: process.env.DEMO_SCREENSHOT, fullPage: true });

		// Untick it: back to "no".
		await page.uncheck('#segment-choices input[value="premium-prospects"]');
		await expect.poll(() => page.textContent('#collector-segments')).toBe('tech-readers');
		await offerResult(page, 'no');

		// A reload keeps the session and the profile's segments; the decision is still answered from the collector.
		await page.reload();
		await offerResult(page, 'no');
		expect(await page.isChecked('#segment-choices input[value="tech-readers"]')).toBe(true);

		// Sign out: refused again; and the SDK's delivery to the previous session is not shown as this page's.
		await page.click('#logout');
		await page.waitForSelector('#account-state[data-signed-in="false"]');
		expect(await page.getAttribute('#account-state', 'data-signed-in')).toBe('false');
		await signedOutOffer(page);
		await expect.poll(() => page.textContent('#sdk-delivered')).toBe('– (signed out: this page does not load the SDK)');

		expect(problems).toEqual([]);
		await page.context().close();
	});

	it('posts nothing while signed out, and reports the segments picked meanwhile once signed in', async () => {
		const { page, problems } = await openDemo();
		const statuses = segmentPostStatuses(page);
		await signedOutOffer(page);
		// Without a session there is nothing to report to: the signed-out page does not load the SDK at all.
		expect(await page.locator('script[src$="/plugins/public/blueconic/sdk.js"]').count()).toBe(0);
		expect(await page.evaluate(() => 'BlueConicBridge' in window)).toBe(false);

		await page.waitForSelector('#segment-choices:not([disabled])');
		await page.check('#segment-choices input[value="premium-prospects"]');
		await expect.poll(() => page.locator('#activity li', { hasText: 'BlueConic recomputed' }).count()).toBeGreaterThan(0);
		expect(await page.textContent('#activity')).toContain('nothing is posted');

		await page.click('#login');
		await page.waitForSelector('#account-state[data-signed-in="true"]');
		await offerResult(page, 'yes');
		await expect.poll(() => page.textContent('#collector-segments')).toBe('premium-prospects');
		await expect.poll(() => page.textContent('#sdk-delivered')).toBe('["premium-prospects"]');

		// Every post went from a signed-in page and was taken; the log shows no refusal.
		expect(statuses.length).toBeGreaterThan(0);
		expect(statuses.every((status) => status === 204)).toBe(true);
		expect(await page.textContent('#activity')).not.toContain('HTTP 401');
		expect(problems).toEqual([]);
		await page.context().close();
	});

	it('turns the console on with its generated admin key: a featured segment saved there decides at once, no restart', async () => {
		expect(demo.adminUrl).toBe(`${demo.url}/plugins/blueconic/admin/`);
		expect(demo.adminKey).toMatch(/^[\w-]{32}$/);
		const { page, problems } = await openDemo();
		await page.click('#login');
		await page.waitForSelector('#segment-choices:not([disabled])');
		await page.check('#segment-choices input[value="tech-readers"]');
		await expect.poll(() => page.textContent('#collector-segments')).toBe('tech-readers');

		const admin = await page.context().newPage();
		await admin.goto(demo.adminUrl);
		await admin.getByLabel('Admin key').fill(demo.adminKey);
		await admin.getByRole('button', { name: 'Sign in' }).click();
		// The stand-in BlueConic answers the connection test and lists the demo's segments to pick from.
		await admin.getByRole('button', { name: 'Test connection' }).click();
		await expect.poll(() => admin.locator('#connection-result').textContent()).toMatch(/^Connected\./);
		await admin.getByRole('button', { name: 'Pick from BlueConic…' }).click();
		await admin.getByRole('button', { name: 'Add Tech readers' }).click();
		await admin.locator('#save-config').click();
		await expect.poll(() => admin.locator('#save-status').textContent()).toContain('Saved.');
		expect(readFileSync(demo.configFile, 'utf8')).toContain('"tech-readers": "Tech readers"');

		// The same session, reported before the save, is now in a featured segment: the collector says so.
		const tested = await admin.evaluate(async (session) => {
			const { csrfToken } = await (await fetch('api/session')).json();
			const answer = await fetch('api/decision-test', {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
				body: JSON.stringify({ session }),
			});
			return answer.json();
		}, await sessionCookie(page));
		expect(tested.featured).toContainEqual({ segment: 'tech-readers', name: 'Tech readers', result: 'yes' });
		expect(problems).toEqual([]);
		await page.context().close();
	});

	it('`npm start` prints the console URL and a fresh admin key that signs in', async () => {
		const child = spawn(process.execPath, [fileURLToPath(new URL('../../dist/demo/start.js', import.meta.url))], {
			env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent' },
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		try {
			let output = '';
			child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
			await expect.poll(() => output, { timeout: 30_000 }).toContain('Ctrl-C to stop');
			const consoleUrl = /Admin console: (\S+)/.exec(output)?.[1];
			const key = /Admin key: +(\S+)/.exec(output)?.[1];
			expect(consoleUrl).toMatch(/^http:\/\/localhost:\d+\/plugins\/blueconic\/admin\/$/);
			expect(key).toMatch(/^[\w-]{32}$/);
			expect(key).not.toBe(demo.adminKey);
			const url = (consoleUrl as string).replace('localhost', '127.0.0.1');
			expect((await fetch(url)).status).toBe(200);
			const signIn = await fetch(`${url}api/session`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ key }),
			});
			expect(signIn.status).toBe(200);
		} finally {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGINT');
			await exited;
		}
	});

	it('reports the segments again for a new session in the same tab', async () => {
		const { page } = await openDemo();
		await page.click('#login');
		await page.waitForSelector('#segment-choices:not([disabled])');
		await page.check('#segment-choices input[value="premium-prospects"]');
		await offerResult(page, 'yes');

		await page.click('#logout');
		await page.waitForSelector('#account-state[data-signed-in="false"]');
		await page.click('#login');
		await page.waitForSelector('#account-state[data-signed-in="true"]');

		await offerResult(page, 'yes');
		// The segments shown come from a lookup of their own, made after the decision may already be on the page.
		await expect.poll(() => page.textContent('#collector-segments')).toBe('premium-prospects');
		await page.context().close();
	});
});
