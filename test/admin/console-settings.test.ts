import { readFile, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/browser.js';
import { postProfiles } from '../redis/profile-sync-queue-fixture.js';
import { askDecision, reportSegments } from '../server/collector-fixture.js';
import { errorCode } from '../server/http-client.js';
import { type ConsolePage, type ConsoleStack, openConsole, save, signIn, startConsoleStack } from './console-browser.js';

let stack: ConsoleStack;
let browser: Browser;
let tab: ConsolePage;
let page: Page;
/** A visitor who reported segments before any save: their report must survive every change. */
let visitorSession: string;

beforeAll(async () => {
	[stack, browser] = await Promise.all([startConsoleStack(), launchChromium()]);
	const sessions = stack.collector.collector.memorySessions;
	if (!sessions) throw new Error('memory sessions expected');
	visitorSession = sessions.create({ email: 'reader@example.com' });
	expect((await reportSegments(stack.collector.url, visitorSession, ['weekend-readers', 'sports-fans'])).status).toBe(204);
	tab = await openConsole(browser, stack.consoleUrl);
	page = tab.page;
	if (process.env.CONSOLE_SCREENSHOTS) {
		await page.getByLabel('Admin key').waitFor();
		await page.screenshot({ path: `${process.env.CONSOLE_SCREENSHOTS}/admin-sign-in.png`, clip: { x: 390, y: 220, width: 500, height: 420 } });
	}
	await signIn(page);
	if (process.env.CONSOLE_SCREENSHOTS) await page.screenshot({ path: `${process.env.CONSOLE_SCREENSHOTS}/admin-overview.png` });
});

afterAll(async () => {
	await tab?.close();
	await browser?.close();
	await stack?.close();
});

/**
 * CONSOLE_SCREENSHOTS=docs/images keeps a picture of each section in the state the test just brought it to
 * (docs/admin.md shows them): `admin-<name>.png`.
 */
async function screenshot(name: string, selector: string): Promise<void> {
	const folder = process.env.CONSOLE_SCREENSHOTS;
	if (!folder) return;
	// The sticky save bar would cover the bottom of a card: hidden while a card is taken (a style set from
	// script, which the console's CSP allows), shown for its own picture.
	const hideBar = selector !== '#save-bar';
	if (hideBar) await page.evaluate(() => document.getElementById('save-bar')?.style.setProperty('visibility', 'hidden'));
	await page.locator(selector).screenshot({ path: `${folder}/admin-${name}.png`, animations: 'disabled' });
	if (hideBar) await page.evaluate(() => document.getElementById('save-bar')?.style.removeProperty('visibility'));
}

function configOnDisk(): Promise<Record<string, unknown>> {
	return readFile(stack.configFile, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>);
}

describe('the console in Chromium: editing each section and saving', () => {
	it('tests the BlueConic connection and shows what BlueConic answered, also for a replaced secret', async () => {
		expect(await page.getByLabel('BlueConic address').inputValue()).toBe(stack.blueconic.url);
		expect(await page.locator('#secret-state').textContent()).toBe('Set');

		await page.getByRole('button', { name: 'Test connection' }).click();
		await expect.poll(() => page.locator('#connection-result').textContent()).toMatch(/^Connected\. BlueConic issued a token/);
		await screenshot('api', '#api');

		await page.getByRole('button', { name: 'Replace secret' }).click();
		await page.locator('#blueconic-client-secret').fill('not-the-secret');
		await page.getByRole('button', { name: 'Test connection' }).click();
		await expect.poll(() => page.locator('#connection-result').textContent()).toMatch(/^Not connected\. .*401/);

		// Back to the secret in force: nothing is left to save.
		await page.getByRole('button', { name: 'Keep the current secret' }).click();
		expect(await page.locator('#save-config').isDisabled()).toBe(true);
	});

	it('checks the mapping against BlueConic and shows the finding next to its row', async () => {
		await page.getByRole('button', { name: 'Check against BlueConic' }).click();
		await expect.poll(() => page.locator('#mapping-check-result').textContent()).toMatch(/1 property needs attention/);
		// `age` is mapped as NUMBER; BlueConic says it is a SELECT (text).
		expect(await page.locator('#attr-1-property-errors').textContent()).toContain('age');
		expect(await page.locator('#attr-0-property-errors').count()).toBe(0);
		await screenshot('mapping', '#mapping');
	});

	it('edits the attributes in the table and as raw JSON, and shows a bad type next to its field', async () => {
		await page.getByRole('button', { name: '+ Add attribute' }).click();
		await page.getByLabel('User attribute, row 3').fill('plan');
		await page.getByLabel('BlueConic profile property, row 3').fill('subscription_plan');
		await page.getByLabel('Type, row 3').selectOption('TEXT');

		// The JSON view shows the same rows, the new one included; an edit there is kept when switching back.
		await page.getByRole('button', { name: 'JSON' }).first().click();
		const json = page.locator('#attributes-json');
		const text = await json.inputValue();
		expect(JSON.parse(text)).toEqual([
			{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'TEXT' } },
			{ zephrAttributeId: 'age', blueconic: { profilePropertyId: 'age', type: 'NUMBER' } },
			{ zephrAttributeId: 'plan', blueconic: { profilePropertyId: 'subscription_plan', type: 'TEXT' } },
		]);
		await json.fill(text.replace('"NUMBER"', '"RANGE_OF_YEARS"'));
		await page.getByRole('button', { name: 'Table' }).click();
		expect(await page.getByLabel('Type, row 2').inputValue()).toBe('RANGE_OF_YEARS');

		const before = await readFile(stack.configFile, 'utf8');
		expect(await save(page)).toContain('Nothing was saved.');
		expect(await page.locator('#attr-1-type-errors').textContent()).toContain('must be a BlueConic property type');
		expect(await page.locator('#problem-list').textContent()).toContain('profileMapping.attributes[1].blueconic.type');
		expect(await readFile(stack.configFile, 'utf8'), 'nothing written when invalid').toBe(before);

		await page.getByLabel('Type, row 2').selectOption('NUMBER');
	});

	it('adds a site, shows a host with a scheme as an error next to it, and switches a site off', async () => {
		await page.getByLabel('Host', { exact: true }).fill('https://blog.publisher.test');
		await page.getByRole('button', { name: '+ Add site' }).click();
		expect(await save(page)).toContain('Nothing was saved.');
		expect(await page.locator('#site-2-host-errors').textContent()).toMatch(/no scheme/);
		await screenshot('sites-error', '#sites');
		await screenshot('save-problems', '#save-bar');

		await page.getByLabel('Host, site 3').fill('blog.publisher.test');
		await page.getByLabel('Active on news.publisher.test').setChecked(false, { force: true });
		expect(await page.locator('li[data-host="news.publisher.test"] .pill').textContent()).toBe('Off');
	});

	it('picks a featured segment from BlueConic’s list (searched and paged) and edits the map as raw JSON', async () => {
		await page.getByRole('button', { name: 'Pick from BlueConic…' }).click();
		await expect.poll(() => page.locator('.picker-count').textContent()).toBe('60 segments');
		await page.getByRole('button', { name: 'Next' }).click();
		await expect.poll(() => page.locator('.pager span').textContent()).toBe('Page 2 of 2');
		expect(await page.locator('.picker-list li').count()).toBe(10);

		await page.getByLabel("Search BlueConic's segments by name").fill('weekend');
		await expect.poll(() => page.locator('.picker-count').textContent()).toBe('1 segment matching “weekend”');
		await page.getByRole('button', { name: 'Add Weekend readers' }).click();
		expect(await page.getByRole('button', { name: 'Weekend readers is featured' }).isDisabled()).toBe(true);
		expect(await page.getByLabel('Segment ID, row 3').inputValue()).toBe('weekend-readers');
		await screenshot('featured', '#featured');

		await page.locator('#featured').getByRole('button', { name: 'JSON' }).click();
		const json = page.locator('#featured-json');
		expect(JSON.parse(await json.inputValue())).toEqual({
			'sports-fans': 'Sports fans',
			'premium-prospects': 'Premium prospects',
			'weekend-readers': 'Weekend readers',
		});
		await json.fill((await json.inputValue()).replace('"Sports fans"', '"Sports fans (all)"'));
		await page.locator('#featured').getByRole('button', { name: 'List' }).click();
		expect(await page.getByLabel('Name, row 1').inputValue()).toBe('Sports fans (all)');
	});

	it('saves: the running collector decides with the new featured map and sites at once, and no report is lost', async () => {
		const decisionBefore = await askDecision(stack.collector.url, visitorSession, 'featured=weekend-readers');
		expect(errorCode(decisionBefore)).toBe('unknown_featured_segment');
		expect((await reportSegments(stack.collector.url, visitorSession, ['weekend-readers', 'sports-fans'], { host: 'news.publisher.test' })).status).toBe(204);

		const saved = await save(page);
		expect(saved).toContain('Saved.');
		expect(saved).toContain('Written to collector.json');
		await screenshot('sites', '#sites');
		await screenshot('saved', '#save-bar');

		// The same session, reported before the save, now decides on the new featured segment: no restart, no loss.
		const decisionAfter = await askDecision(stack.collector.url, visitorSession, 'featured=weekend-readers');
		expect(decisionAfter.status).toBe(200);
		expect(decisionAfter.json).toMatchObject({ result: 'yes' });
		// The site switched off refuses posts; the other still takes them.
		const offSite = await reportSegments(stack.collector.url, visitorSession, ['sports-fans'], { host: 'news.publisher.test' });
		expect(offSite.status).toBe(404);
		expect(errorCode(offSite)).toBe('site_not_active');
		expect((await reportSegments(stack.collector.url, visitorSession, ['weekend-readers', 'sports-fans'])).status).toBe(204);

		const written = await configOnDisk();
		expect(written.featuredSegments).toEqual({
			'sports-fans': 'Sports fans (all)',
			'premium-prospects': 'Premium prospects',
			'weekend-readers': 'Weekend readers',
		});
		expect(written.sites).toEqual([
			{ host: 'www.publisher.test', origins: ['https://www.publisher.test'], active: true },
			{ host: 'news.publisher.test', origins: [], active: false },
			{ host: 'blog.publisher.test', origins: [], active: true },
		]);
		// Untouched by the save: the secret as it was written, and the mapping saved with its fixed type.
		expect(written.blueconic).toMatchObject({ clientSecret: 'console-secret' });
		expect((written.profileMapping as { attributes: unknown[] }).attributes).toHaveLength(3);
		// The page shows the saved state: nothing left to save.
		expect(await page.locator('#save-config').isDisabled()).toBe(true);
	});

	it('shows the status and tests a session’s decisions with the new featured map', async () => {
		await page.getByRole('button', { name: 'Refresh' }).click();
		await expect.poll(async () => Number((await page.locator('.stat-value').first().textContent())?.replace(/\D/g, ''))).toBeGreaterThanOrEqual(3);
		expect(await page.locator('.decision-bars [data-result="yes"] .decision-count').textContent()).not.toBe('0');

		await page.getByLabel('Session ID').fill(visitorSession);
		await page.getByRole('button', { name: 'Test decisions' }).click();
		await page.locator('#decision-test-result').waitFor();
		expect(await page.locator('#decision-test-result').getAttribute('data-report')).toBe('hit');
		expect(await page.locator('tr[data-segment="weekend-readers"] .decision').textContent()).toBe('yes');
		expect(await page.locator('tr[data-segment="premium-prospects"] .decision').textContent()).toBe('no');
		await screenshot('status', '#status');
		await screenshot('tester', '#tester');
		expect(await page.content(), 'the session id is not echoed by the answer').not.toContain(`>${visitorSession}<`);
	});

	it('refuses an invalid change to the file while the old configuration keeps serving', async () => {
		const valid = await readFile(stack.configFile, 'utf8');
		await writeFile(stack.configFile, valid.replace('"featuredSegments": {', '"featuredSegments": 42, "was": {'));
		const result = await stack.collector.collector.live.reload('file');
		expect(result.status).toBe('invalid');

		expect((await askDecision(stack.collector.url, visitorSession, 'featured=weekend-readers')).json).toMatchObject({ result: 'yes' });
		// The console shows the configuration in force, not the broken file.
		await page.reload();
		await page.locator('#featured-table').waitFor();
		expect(await page.getByLabel('Segment ID, row 3').inputValue()).toBe('weekend-readers');
		await writeFile(stack.configFile, valid);
	});

	it('offers the new configuration as a download when the file is read-only, and says nothing was applied', async () => {
		const download = { featuredSegments: { 'sports-fans': 'Sports fans' }, sites: '*' };
		// A mounted, read-only file cannot be made here (the tests run as root), so the collector's answer is played.
		await page.route('**/api/config', (route) =>
			route.request().method() === 'PUT'
				? route.fulfill({
						status: 409,
						contentType: 'application/json',
						body: JSON.stringify({ error: { code: 'config_read_only', message: 'collector.json is read-only.' }, download }),
					})
				: route.fallback(),
		);
		await page.getByRole('button', { name: 'Remove Premium prospects' }).click();
		expect(await save(page)).toContain('Not saved: the configuration file is read-only.');
		const downloading = page.waitForEvent('download');
		await page.locator('#download-config').click();
		const file = await downloading;
		expect(file.suggestedFilename()).toBe('collector.json');
		expect(JSON.parse(await readFile((await file.path()) as string, 'utf8'))).toEqual(download);
		await page.unroute('**/api/config');
		expect(tab.problems).toEqual([]);
	});

	it('removes the BlueConic connection (profile sync then refuses users) and sets it up again', async () => {
		// From the configuration in force: the last test left a change it could not save.
		await page.reload();
		await page.locator('#remove-blueconic').click();
		await page.getByText('BlueConic is not configured.').waitFor();
		expect(await save(page)).toContain('Saved.');
		const written = await configOnDisk();
		expect(written).not.toHaveProperty('blueconic');
		// The other sections are untouched by the save.
		expect((written.profileMapping as { attributes: unknown[] }).attributes).toHaveLength(3);
		const refused = await postProfiles(stack.collector.url, { email: 'after-removal@example.com', attributes: {} });
		expect([refused.status, errorCode(refused)]).toEqual([404, 'profile_sync_not_configured']);
		expect(await page.locator('#save-config').isDisabled()).toBe(true);

		await page.getByRole('button', { name: 'Set up the BlueConic connection' }).click();
		await page.getByLabel('BlueConic address').fill(stack.blueconic.url);
		await page.getByLabel('Client ID').fill('console-client');
		await page.locator('#blueconic-client-secret').fill('console-secret');
		expect(await save(page)).toContain('Saved.');
		expect((await configOnDisk()).blueconic).toEqual({ baseUrl: stack.blueconic.url, clientId: 'console-client', clientSecret: 'console-secret' });
		expect((await postProfiles(stack.collector.url, { email: 'after-setup@example.com', attributes: {} })).status).toBe(200);
		await expect.poll(() => stack.blueconic.profiles.has('after-setup@example.com')).toBe(true);
		expect(tab.problems).toEqual([]);
	});

	it('removes the profile mapping: profile sync then sends the email alone', async () => {
		await page.locator('#remove-mapping').click();
		await page.getByText('No profile mapping.').waitFor();
		expect(await save(page)).toContain('Saved.');
		expect(await configOnDisk()).not.toHaveProperty('profileMapping');
		const user = { email: 'unmapped@example.com', attributes: { 'first-name': 'Ada' }, trackingId: 'tracking-1' };
		expect((await postProfiles(stack.collector.url, user)).status).toBe(200);
		await expect.poll(() => stack.blueconic.profiles.has('unmapped@example.com')).toBe(true);
		const stored = stack.blueconic.profiles.get('unmapped@example.com');
		expect(Object.keys(stored?.properties ?? {})).toEqual(['email']);
		expect(tab.problems).toEqual([]);
	});
});
