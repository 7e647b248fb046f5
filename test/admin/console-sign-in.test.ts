import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/browser.js';
import { type ConsoleStack, adminKey, openConsole, signIn, startConsoleStack } from './console-browser.js';

let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
	[stack, browser] = await Promise.all([startConsoleStack(), launchChromium()]);
});

afterAll(async () => {
	await browser?.close();
	await stack?.close();
});

describe('the console in Chromium: sign-in and security', () => {
	it('refuses a wrong key with its message, signs in with the right one, and signs out', async () => {
		const { page, problems, close } = await openConsole(browser, stack.consoleUrl);
		await page.getByLabel('Admin key').fill('not-the-admin-key');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect.poll(() => page.locator('#admin-key-error').textContent()).toMatch(/admin key/i);
		expect(await page.locator('#api').count()).toBe(0);

		await signIn(page);
		expect(await page.locator('#file-badge').textContent()).toContain('collector.json · writable');
		// A reload keeps the session (the cookie), so the settings show again without the form.
		await page.reload();
		await page.locator('#api').waitFor();

		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.getByLabel('Admin key').waitFor();
		expect(await page.locator('.notice').textContent()).toContain('signed out');
		// The session is gone for the API too, not only for the page.
		await page.reload();
		await page.getByLabel('Admin key').waitFor();
		const status = await page.evaluate(async () => (await fetch('api/config')).status);
		expect(status).toBe(401);
		expect(problems).toEqual([]);
		await close();
	});

	it('serves the page under the strict CSP and runs with no violation', async () => {
		const response = await fetch(stack.consoleUrl);
		expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
		const html = await response.text();
		for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag, 'no inline scripts').toContain(' src=');
		expect(html).not.toMatch(/\sstyle=/);

		const { page, problems, close } = await openConsole(browser, stack.consoleUrl);
		await signIn(page);
		// Every card rendered and filled from the API, the status loaded: a violation would have been logged by now.
		await page.locator('#status-body').waitFor();
		expect(problems).toEqual([]);
		await close();
	});

	it('refuses a cross-site form post that carries the signed-in cookie, and the configuration stays as it was', async () => {
		const { page, problems, close } = await openConsole(browser, stack.consoleUrl);
		await signIn(page);
		const before = await readFile(stack.configFile, 'utf8');

		// Another origin on the same host (same site, so even a SameSite=Strict cookie goes along): a page whose forms
		// post JSON-looking text/plain bodies to the console's API, as a CSRF attack would (a form can only POST).
		const checkTarget = `${stack.consoleUrl}api/config/check`;
		const signInTarget = `${stack.consoleUrl}api/session`;
		const attacker = await servePage(
			`<!doctype html><form id="check" method="POST" enctype="text/plain" action="${checkTarget}">` +
				`<input name='{"sections":{"featuredSegments":{"evil":"Evil"}},"x":"' value='"}'></form>` +
				`<form id="sign-in" method="POST" enctype="text/plain" action="${signInTarget}">` +
				`<input name='{"key":"${adminKey}","x":"' value='"}'></form>`,
		);
		try {
			for (const [form, target] of [
				['check', checkTarget],
				['sign-in', signInTarget],
			] as const) {
				await page.goto(attacker.url);
				const answered = page.waitForResponse((response) => response.url() === target);
				await page.evaluate((id) => (document.getElementById(id) as HTMLFormElement).submit(), form);
				const answer = await answered;
				expect([403, 415], `${form}: ${await answer.text()}`).toContain(answer.status());
				if (form === 'check') {
					// The cookie went along: the refusal is the collector's, not the browser's.
					expect((await answer.request().allHeaders()).cookie ?? '').toContain('bcb_admin=');
				}
				expect(answer.headers()['set-cookie'] ?? '', 'no session is made for the attacker').not.toContain('bcb_admin=');
			}
		} finally {
			await attacker.close();
		}
		expect(await readFile(stack.configFile, 'utf8')).toBe(before);
		expect(stack.collector.collector.config.featuredSegments).not.toHaveProperty('evil');
		expect(problems).toEqual([]);
		await close();
	});

	it('refuses a write without the CSRF token even from the console’s own origin', async () => {
		const { page, close } = await openConsole(browser, stack.consoleUrl);
		await signIn(page);
		const answer = await page.evaluate(async () => {
			const response = await fetch('api/config', {
				method: 'PUT',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ sections: { featuredSegments: { evil: 'Evil' } } }),
			});
			return { status: response.status, body: await response.json() };
		});
		expect(answer.status).toBe(403);
		expect(answer.body.error.code).toBe('csrf_token_invalid');
		expect(stack.collector.collector.config.featuredSegments).not.toHaveProperty('evil');
		await close();
	});

	it('keeps the admin key out of the page', async () => {
		const { page, close } = await openConsole(browser, stack.consoleUrl);
		await signIn(page);
		expect(await page.content()).not.toContain(adminKey);
		expect(await page.getByLabel('Admin key').count()).toBe(0);
		await close();
	});
});

/** A page on another port of 127.0.0.1: another origin, the same site. */
async function servePage(html: string): Promise<{ url: string; close: () => Promise<void> }> {
	const server: Server = createServer((_request, response) => {
		response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
		response.end(html);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/attack.html`,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}
