import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { type StartedCollector, apiKey, startCollector } from '../server/collector-fixture.js';

export const adminKey = 'console-admin-key-0123456789abcdef';
const builtConsole = fileURLToPath(new URL('../../dist/admin/assets/console.js', import.meta.url));

/** BlueConic's segments as the fake lists them: more than one page of the console's picker (50). */
export const catalogSegments = [
	{ id: 'sports-fans', name: 'Sports fans', description: 'Read the sports section weekly' },
	{ id: 'premium-prospects', name: 'Premium prospects' },
	{ id: 'weekend-readers', name: 'Weekend readers', description: 'Visit mostly on weekends' },
	...Array.from({ length: 57 }, (_, index) => ({ id: `archive-${index}`, name: `Archive cohort ${index}` })),
];

/** The configuration file the console edits: two active sites, two featured segments, BlueConic and a mapping. */
export function consoleConfig(blueconicUrl: string): CollectorConfigInput {
	return {
		session: { validate: { type: 'memory' } },
		sites: [
			{ host: 'www.publisher.test', origins: ['https://www.publisher.test'] },
			{ host: 'news.publisher.test' },
		],
		apiKeys: [apiKey],
		adminKeys: [adminKey],
		featuredSegments: { 'sports-fans': 'Sports fans', 'premium-prospects': 'Premium prospects' },
		blueconic: { baseUrl: blueconicUrl, clientId: 'console-client', clientSecret: 'console-secret' },
		profileMapping: {
			emailPropertyId: 'email',
			trackingIdPropertyId: 'zephr_tracking_id',
			attributes: [
				{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'TEXT' } },
				{ zephrAttributeId: 'age', blueconic: { profilePropertyId: 'age', type: 'NUMBER' } },
			],
		},
	};
}

export interface ConsoleStack {
	collector: StartedCollector;
	blueconic: FakeBlueConic;
	configFile: string;
	/** The console's page: http://127.0.0.1:<port>/plugins/blueconic/admin/ */
	consoleUrl: string;
	close(): Promise<void>;
}

/**
 * A collector started from a configuration file in a temporary folder (so console saves are written and
 * watched), serving the built console (dist/admin), with a fake BlueConic listing segments and properties.
 */
export async function startConsoleStack(): Promise<ConsoleStack> {
	if (!existsSync(builtConsole)) throw new Error('dist/admin is missing: run `npm run build` first');
	const blueconic = await startFakeBlueConic({
		clientId: 'console-client',
		clientSecret: 'console-secret',
		segments: catalogSegments,
		profileProperties: [
			{ id: 'email', name: 'Email', filterType: 'EMAIL' },
			{ id: 'zephr_tracking_id', name: 'Tracking ID', filterType: 'SELECT' },
			{ id: 'firstname', name: 'First name', filterType: 'SELECT' },
			// Mapped as NUMBER: a type mismatch for "Check against BlueConic".
			{ id: 'age', name: 'Age', filterType: 'SELECT' },
		],
	});
	const folder = await mkdtemp(join(tmpdir(), 'bcb-console-'));
	const configFile = join(folder, 'collector.json');
	const config = consoleConfig(blueconic.url);
	await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
	const collector = await startCollector(config, { configFile });
	return {
		collector,
		blueconic,
		configFile,
		consoleUrl: `${collector.url}/plugins/blueconic/admin/`,
		async close() {
			await collector.stop({ drain: false });
			await blueconic.close();
			await rm(folder, { recursive: true, force: true });
		},
	};
}

/** A console tab in a fresh context, recording CSP violations, page errors and console errors. */
export interface ConsolePage {
	page: Page;
	problems: string[];
	close(): Promise<void>;
}

export async function openConsole(browser: Browser, url: string): Promise<ConsolePage> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	const page = await context.newPage();
	const problems: string[] = [];
	// Injected by the browser, not by the page: the CSP does not apply to it, and it sees every violation.
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (event) =>
			console.error(`csp violation: ${event.violatedDirective} ${event.blockedURI}`),
		);
	});
	page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
	page.on('console', (message) => {
		// An API answer of 401 or 400 is the network log, not the page's output.
		if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
	});
	await page.goto(url);
	return { page, problems, close: () => context.close() };
}

/** Signs in through the form and waits for the settings page. */
export async function signIn(page: Page, key = adminKey): Promise<void> {
	await page.getByLabel('Admin key').fill(key);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.locator('#api').waitFor();
}

/** Clicks Save, waits for the collector's answer and for the save bar to show it; returns the bar's text. */
export async function save(page: Page): Promise<string> {
	const answered = page.waitForResponse((response) => response.url().endsWith('/api/config') && response.request().method() === 'PUT');
	await page.locator('#save-config').click();
	await answered;
	await expect.poll(() => page.locator('#save-bar').getAttribute('class')).not.toMatch(/save-busy\b/);
	return (await page.locator('#save-status').textContent()) ?? '';
}
