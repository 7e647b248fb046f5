import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { MemorySegmentStore } from '../../server/store/memory-store.js';
import type { StoreRead } from '../../server/store/segment-store.js';
import { apiKey, askDecision, reportSegments, type StartedCollector, startCollector, testConfig } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';
import { capturedLogger, configText, startFromFile, tempFolder } from './live-fixture.js';

const newApiKey = 'new-api-key-0123456789abcdef';

let folder: Awaited<ReturnType<typeof tempFolder>>;
let running: StartedCollector | undefined;

beforeEach(async () => {
	folder = await tempFolder();
});

afterEach(async () => {
	await running?.stop();
	running = undefined;
	await chmod(folder.path, 0o755).catch(() => {});
	await folder.remove();
});

async function getFeatured(url: string, key = apiKey) {
	return send(`${url}/plugins/blueconic/featured-segments`, { headers: { authorization: `Bearer ${key}` } });
}

describe('LiveConfig.check', () => {
	beforeEach(async () => {
		running = await startCollector(testConfig());
	});

	it('says which top-level fields a valid candidate changes', () => {
		const check = running!.collector.live.check(testConfig({ featuredSegments: { news: 'News readers' } }));
		expect(check).toEqual({ status: 'valid', changed: ['featuredSegments'] });
	});

	it('lists every problem of an invalid candidate with its path, as at start-up', () => {
		const candidate = {
			...testConfig(),
			sites: [{ host: 'https://www.publisher.test/' }],
			apiKeys: ['short'],
			profileMapping: { attributes: [{ zephrAttributeId: 'a', blueconic: { profilePropertyId: 'b', type: 'NOPE' } }] },
			unknownField: 1,
		};
		const check = running!.collector.live.check(candidate);
		expect(check.status).toBe('invalid');
		const paths = (check as { problems: Array<{ path: string }> }).problems.map(({ path }) => path);
		expect(paths).toEqual(
			expect.arrayContaining(['sites[0].host', 'apiKeys[0]', 'profileMapping.attributes[0].blueconic.type', 'unknownField']),
		);
	});

	it('reports an unset env: reference with its path', () => {
		const check = running!.collector.live.check(testConfig({ apiKeys: ['env:BCB_LIVE_TEST_UNSET_KEY'] }));
		expect(check).toEqual({
			status: 'invalid',
			problems: [{ path: 'apiKeys[0]', message: 'environment variable BCB_LIVE_TEST_UNSET_KEY is not set' }],
		});
	});

	it('refuses changes that need a restart, a problem per changed path, without their values', () => {
		const candidate = testConfig({
			session: { cookieName: 'other_session', validate: { type: 'memory' } },
			store: { type: 'redis', url: 'redis://127.0.0.1:1' },
			segments: { ttlSeconds: 60 },
			featuredSegments: { news: 'News readers' },
		});
		const check = running!.collector.live.check(candidate);
		expect(check.status).toBe('restart_required');
		const problems = (check as { problems: Array<{ path: string; message: string }> }).problems;
		expect(problems.map(({ path }) => path)).toEqual(['session.cookieName', 'store', 'segments.ttlSeconds']);
		for (const problem of problems) expect(problem.message).toContain('restart');
		expect(JSON.stringify(problems)).not.toContain('other_session');
		expect(JSON.stringify(problems)).not.toContain('redis://');
	});

	it('refuses a changed session validator type', () => {
		const check = running!.collector.live.check(
			testConfig({ session: { validate: { type: 'signed', secret: 'a-signing-secret-0123456789' } } }),
		);
		expect(check).toMatchObject({ status: 'restart_required', problems: [{ path: 'session.validate' }] });
	});
});

describe('LiveConfig.save', () => {
	it('puts a new featured map in force without a restart, keeping every session\'s segments', async () => {
		const file = folder.file('collector.json');
		running = await startFromFile(file, testConfig());
		const sessionId = running.collector.memorySessions!.create();
		expect((await reportSegments(running.url, sessionId, ['sports', 'news'])).status).toBe(204);
		expect(errorCode(await askDecision(running.url, sessionId, 'featured=news'))).toBe('unknown_featured_segment');

		const savedAt = performance.now();
		const result = await running.collector.live.save(testConfig({ featuredSegments: { news: 'News readers' } }));
		expect(result).toEqual({ status: 'applied', changed: ['featuredSegments'], written: true });

		expect((await askDecision(running.url, sessionId, 'featured=news')).json).toMatchObject({ segment: 'news', result: 'yes' });
		console.log(`save (file written, fsync) → first decision with the new config: ${(performance.now() - savedAt).toFixed(1)} ms`);
		expect(errorCode(await askDecision(running.url, sessionId, 'featured=sports'))).toBe('unknown_featured_segment');
		expect((await askDecision(running.url, sessionId, 'segment=sports')).json).toMatchObject({ result: 'yes' });
		expect((await getFeatured(running.url)).json).toEqual({ news: 'News readers' });
		expect(running.collector.config.featuredSegments).toEqual({ news: 'News readers' });
	});

	it('is not applied a second time when the folder watch sees the save\'s own write', async () => {
		const file = folder.file('collector.json');
		const { logger, lines } = capturedLogger();
		running = await startFromFile(file, testConfig(), { logger });
		expect(await running.collector.live.save(testConfig({ featuredSegments: { news: 'N' } }))).toMatchObject({ status: 'applied' });
		// The rename over the file is an event in the watched folder: read, recognised as ours, nothing applied.
		await expect.poll(() => lines().find((line) => line.source === 'file' && line.msg === 'configuration file unchanged')).toBeDefined();
		expect(lines().filter((line) => String(line.msg).startsWith('configuration applied'))).toHaveLength(1);
	});

	it('writes the file atomically as written, env: references kept, the previous version kept as .bak', async () => {
		process.env.BCB_LIVE_TEST_KEY = newApiKey;
		try {
			const file = folder.file('collector.json');
			const original = testConfig();
			running = await startFromFile(file, original);
			const before = await readFile(file, 'utf8');
			const candidate = testConfig({ apiKeys: ['env:BCB_LIVE_TEST_KEY'] });

			expect(await running.collector.live.save(candidate)).toEqual({ status: 'applied', changed: ['apiKeys'], written: true });
			expect(await readFile(file, 'utf8')).toBe(configText(candidate));
			expect(await readFile(`${file}.bak`, 'utf8')).toBe(before);
			expect(running.collector.live.source()).toEqual(candidate);
			expect(running.collector.live.file()).toEqual({ path: file, writable: true });
			// No temporary file is left behind.
			const { readdir } = await import('node:fs/promises');
			expect((await readdir(folder.path)).sort()).toEqual(['collector.json', 'collector.json.bak']);
			// The reference is resolved for requests: the old key is refused, the variable's value accepted.
			expect((await getFeatured(running.url)).status).toBe(401);
			expect((await getFeatured(running.url, newApiKey)).status).toBe(200);
		} finally {
			delete process.env.BCB_LIVE_TEST_KEY;
		}
	});

	it('answers unchanged, writing nothing, for the configuration in force', async () => {
		const file = folder.file('collector.json');
		running = await startFromFile(file, testConfig());
		const modifiedBefore = (await stat(file)).mtimeMs;
		expect(await running.collector.live.save(testConfig())).toEqual({ status: 'unchanged' });
		expect((await stat(file)).mtimeMs).toBe(modifiedBefore);
		await expect(stat(`${file}.bak`)).rejects.toThrow();
	});

	it('refuses an invalid or restart-requiring candidate, writing and applying nothing', async () => {
		const file = folder.file('collector.json');
		running = await startFromFile(file, testConfig());
		const before = await readFile(file, 'utf8');
		const invalid = await running.collector.live.save({ ...testConfig(), featuredSegments: { '': 'x' }, sites: [] });
		expect(invalid.status).toBe('invalid');
		const restart = await running.collector.live.save(
			testConfig({ session: { cookieName: 'other', validate: { type: 'memory' } }, featuredSegments: { news: 'N' } }),
		);
		expect(restart).toMatchObject({ status: 'restart_required', problems: [{ path: 'session.cookieName' }] });
		expect(await readFile(file, 'utf8')).toBe(before);
		expect(running.collector.config.featuredSegments).toEqual(testConfig().featuredSegments);
	});

	it('applies in memory, writing nothing, when the configuration was given in code', async () => {
		running = await startCollector(testConfig());
		expect(running.collector.live.file()).toBeUndefined();
		expect(await running.collector.live.save(testConfig({ featuredSegments: { news: 'N' } }))).toEqual({
			status: 'applied',
			changed: ['featuredSegments'],
			written: false,
		});
	});

	it('refuses to save over a read-only configuration file, applying nothing', async () => {
		// Permission bits do not stop root; a name too long for a temporary file beside it stops everyone.
		const asRoot = process.getuid?.() === 0;
		const mounted = join(folder.path, 'mounted');
		await mkdir(mounted);
		const file = join(mounted, asRoot ? `${'c'.repeat(245)}.json` : 'collector.json');
		await writeFile(file, configText(testConfig()));
		if (!asRoot) {
			await chmod(file, 0o444);
			await chmod(mounted, 0o555);
		}
		const { logger, lines } = capturedLogger();
		running = await startCollector(testConfig(), { logger, configFile: file });
		expect(running.collector.live.file()).toEqual({ path: file, writable: false });
		const result = await running.collector.live.save(testConfig({ featuredSegments: { news: 'N' } }));
		expect(result).toMatchObject({ status: 'read_only', message: expect.stringContaining('read-only') });
		expect(await readFile(file, 'utf8')).toBe(configText(testConfig()));
		expect(running.collector.config.featuredSegments).toEqual(testConfig().featuredSegments);
		expect(lines().some((line) => String(line.msg).includes('read-only'))).toBe(true);
	});
});

describe('live sites and API keys', () => {
	it('answers a site toggled off live 404 site_not_active, and takes a new API key in place of the old', async () => {
		running = await startCollector(testConfig());
		const sessionId = running.collector.memorySessions!.create();
		expect((await reportSegments(running.url, sessionId, ['sports'])).status).toBe(204);
		const sites = testConfig().sites as Array<{ host: string; active?: boolean }>;
		const result = await running.collector.live.save(
			testConfig({ sites: sites.map((site) => ({ ...site, active: false })), apiKeys: [newApiKey] }),
		);
		expect(result).toMatchObject({ status: 'applied', changed: ['sites', 'apiKeys'] });
		const refused = await reportSegments(running.url, sessionId, ['sports']);
		expect(refused.status).toBe(404);
		expect(errorCode(refused)).toBe('site_not_active');
		expect((await getFeatured(running.url)).status).toBe(401);
		expect((await getFeatured(running.url, newApiKey)).status).toBe(200);
	});
});

class WaitCountingStore extends MemorySegmentStore {
	waits = 0;

	override waitForReport(sessionKey: string, timeoutMs: number): Promise<StoreRead> {
		this.waits++;
		return super.waitForReport(sessionKey, timeoutMs);
	}
}

describe('requests in flight', () => {
	it('finish on the configuration they started with', async () => {
		const store = new WaitCountingStore({ maxSessions: 1_000, ttlSeconds: 60 });
		try {
			running = await startCollector(testConfig(), { store });
			const sessionId = running.collector.memorySessions!.create();
			// Started while `premium` is featured, it waits for the session's first report.
			const inFlight = askDecision(running.url, sessionId, 'featured=premium&wait=3000');
			await expect.poll(() => store.waits).toBe(1);
			const withoutPremium: CollectorConfigInput = testConfig({ featuredSegments: { sports: 'Sports fans' } });
			expect(await running.collector.live.save(withoutPremium)).toMatchObject({ status: 'applied' });
			expect(errorCode(await askDecision(running.url, sessionId, 'featured=premium'))).toBe('unknown_featured_segment');
			expect((await reportSegments(running.url, sessionId, ['premium'])).status).toBe(204);
			expect(await inFlight).toMatchObject({ status: 200, json: { segment: 'premium', result: 'yes' } });
		} finally {
			await store.close();
		}
	});
});
