import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { apiKey, testConfig } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';
import { readConfig, tempFolder, writeConfig } from '../live/live-fixture.js';
import { adminKey, type ConsoleCollector, consolePath, startConsoleCollector } from './console-fixture.js';

const literalSecret = 'literal-client-secret-value-42';
const envSecret = 'secret-from-the-environment-99';
const env = { BCB_TEST_CLIENT_SECRET: envSecret };

function fileConfig(overrides: Partial<CollectorConfigInput> = {}): CollectorConfigInput {
	return testConfig({
		adminKeys: [adminKey],
		blueconic: { baseUrl: 'https://tenant.blueconic.net', clientId: 'bridge-client', clientSecret: 'env:BCB_TEST_CLIENT_SECRET' },
		profileMapping: {
			emailPropertyId: 'email',
			attributes: [{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'TEXT' } }],
		},
		...overrides,
	});
}

describe('the console configuration API', () => {
	let folder: Awaited<ReturnType<typeof tempFolder>>;
	let collector: ConsoleCollector | undefined;
	beforeEach(async () => {
		folder = await tempFolder();
	});
	afterEach(async () => {
		await collector?.stop({ drain: false });
		collector = undefined;
		await folder.remove();
	});

	async function startFrom(path: string, config: CollectorConfigInput): Promise<ConsoleCollector> {
		await writeConfig(path, config);
		collector = await startConsoleCollector((await readConfig(path)) as CollectorConfigInput, { configFile: path, env, watchConfigFile: false });
		await collector.signIn();
		return collector;
	}

	it('reads the four sections as written, the client secret as set / from env, and no key or secret', async () => {
		const file = folder.file('collector.json');
		const console = await startFrom(file, fileConfig());
		const answer = await console.request(`${consolePath}/api/config`);
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			file: { name: 'collector.json', writable: true },
			sections: {
				blueconic: { baseUrl: 'https://tenant.blueconic.net', clientId: 'bridge-client', clientSecret: { set: true, env: 'BCB_TEST_CLIENT_SECRET' } },
				profileMapping: fileConfig().profileMapping,
				featuredSegments: fileConfig().featuredSegments,
				sites: fileConfig().sites,
			},
			types: ['TEXT', 'EMAIL', 'NUMBER', 'DECIMAL', 'CURRENCY', 'DATETIME'],
		});
		expect(answer.headers['cache-control']).toBe('no-store');
		for (const secret of [envSecret, apiKey, adminKey]) expect(answer.text).not.toContain(secret);
	});

	it('never sends a secret written as a value', async () => {
		const console = await startFrom(folder.file('collector.json'), fileConfig({
			blueconic: { baseUrl: 'https://tenant.blueconic.net', clientId: 'bridge-client', clientSecret: literalSecret },
		}));
		const answer = await console.request(`${consolePath}/api/config`);
		expect((answer.json as { sections: { blueconic: unknown } }).sections.blueconic).toEqual({
			baseUrl: 'https://tenant.blueconic.net',
			clientId: 'bridge-client',
			clientSecret: { set: true, env: null },
		});
		expect(answer.text).not.toContain(literalSecret);
	});

	it('answers field errors at the schema paths for a bad mapping type and a host with a scheme, writing nothing', async () => {
		const file = folder.file('collector.json');
		const console = await startFrom(file, fileConfig());
		const before = await readFile(file, 'utf8');
		const sections = {
			profileMapping: {
				emailPropertyId: 'email',
				attributes: [{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'BOOL' } }],
			},
			sites: [{ host: 'https://www.publisher.test', origins: [] }],
		};
		for (const [method, path] of [
			['POST', `${consolePath}/api/config/check`],
			['PUT', `${consolePath}/api/config`],
		] as const) {
			const answer = await console.write(method, path, { sections });
			expect(answer.status).toBe(400);
			expect(errorCode(answer)).toBe('invalid_config');
			const problems = (answer.json as { problems: { path: string; message: string }[] }).problems;
			expect(problems.map(({ path: problemPath }) => problemPath).sort()).toEqual(['profileMapping.attributes[0].blueconic.type', 'sites[0].host']);
			expect(problems.find(({ path: problemPath }) => problemPath === 'sites[0].host')?.message).toContain('"www.publisher.test"');
		}
		expect(await readFile(file, 'utf8')).toBe(before);
	});

	it('checks a valid change and names what it changes, applying nothing', async () => {
		const file = folder.file('collector.json');
		const console = await startFrom(file, fileConfig());
		const answer = await console.write('POST', `${consolePath}/api/config/check`, { sections: { featuredSegments: { news: 'News readers' } } });
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({ status: 'valid', changed: ['featuredSegments'] });
		expect(console.collector.config.featuredSegments).toEqual(fileConfig().featuredSegments);
	});

	it('saves: the file rewritten with secrets and keys as written, and decisions answered with the new featured map', async () => {
		const file = folder.file('collector.json');
		const console = await startFrom(file, fileConfig());
		const sessionId = console.collector.memorySessions!.create();
		const report = await send(`${console.url}/plugins/public/blueconic/segments`, {
			method: 'POST',
			body: JSON.stringify(['news', 'sports']),
			headers: { host: 'www.publisher.test', 'content-type': 'application/json', cookie: `blaize_session=${sessionId}` },
		});
		expect(report.status).toBe(204);
		const decideNews = () =>
			send(`${console.url}/plugins/blueconic/decide`, {
				method: 'POST',
				body: JSON.stringify({ session: sessionId, nodes: [{ type: 'featured', segment: 'news' }] }),
				headers: { host: 'www.publisher.test', 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
			});
		expect(errorCode(await decideNews())).toBe('unknown_featured_segment');

		const saved = await console.write('PUT', `${consolePath}/api/config`, {
			sections: {
				featuredSegments: { news: 'News readers', sports: 'Sports fans' },
				blueconic: { baseUrl: 'https://tenant.blueconic.net', clientId: 'bridge-client', clientSecret: { keep: true } },
			},
		});
		expect(saved.status).toBe(200);
		expect(saved.json).toEqual({ status: 'applied', changed: ['featuredSegments'], written: true });

		const decision = await decideNews();
		expect(decision.status).toBe(200);
		expect(decision.json).toEqual({ results: [{ segment: 'news', result: 'yes', source: 'browser' }] });
		const written = (await readConfig(file)) as Record<string, unknown>;
		expect(written.featuredSegments).toEqual({ news: 'News readers', sports: 'Sports fans' });
		expect(written.blueconic).toEqual(fileConfig().blueconic); // the env: reference kept, not the secret
		expect(written.apiKeys).toEqual([apiKey]);
		expect(written.adminKeys).toEqual([adminKey]);
		expect(JSON.stringify(written)).not.toContain(envSecret);

		const again = await console.write('PUT', `${consolePath}/api/config`, { sections: { featuredSegments: { news: 'News readers', sports: 'Sports fans' } } });
		expect(again.json).toEqual({ status: 'unchanged' });
	});

	it('refuses env: references the console would show back, and a kept secret moved to another BlueConic address', async () => {
		const file = folder.file('collector.json');
		const console = await startFrom(file, fileConfig());
		const before = await readFile(file, 'utf8');
		const leak = await console.write('PUT', `${consolePath}/api/config`, { sections: { featuredSegments: { x: 'env:BCB_TEST_CLIENT_SECRET' } } });
		expect(leak.status).toBe(400);
		expect(errorCode(leak)).toBe('env_reference_not_allowed');
		expect(leak.text).not.toContain(envSecret);
		const moved = await console.write('PUT', `${consolePath}/api/config`, {
			sections: { blueconic: { baseUrl: 'https://attacker.example', clientId: 'bridge-client', clientSecret: { keep: true } } },
		});
		expect(moved.status).toBe(400);
		expect(errorCode(moved)).toBe('credentials_required');
		const movedWithEnv = await console.write('PUT', `${consolePath}/api/config`, {
			sections: { blueconic: { baseUrl: 'https://attacker.example', clientId: 'bridge-client', clientSecret: 'env:BCB_TEST_CLIENT_SECRET' } },
		});
		expect(errorCode(movedWithEnv)).toBe('credentials_required');
		expect(await readFile(file, 'utf8')).toBe(before);
		// The address as it is, the secret kept: a save as before.
		const kept = await console.write('PUT', `${consolePath}/api/config`, {
			sections: { blueconic: { baseUrl: 'https://tenant.blueconic.net/', clientId: 'bridge-client', clientSecret: { keep: true } } },
		});
		expect(kept.status).toBe(200);
	});

	it('replaces the client secret only when told, with a new value or an env: reference', async () => {
		const file = folder.file('collector.json');
		const console = await startFrom(file, fileConfig());
		const blueconic = { baseUrl: 'https://tenant.blueconic.net', clientId: 'bridge-client' };
		const saved = await console.write('PUT', `${consolePath}/api/config`, { sections: { blueconic: { ...blueconic, clientSecret: 'a-brand-new-secret-1234' } } });
		expect(saved.json).toEqual({ status: 'applied', changed: ['blueconic'], written: true });
		expect(((await readConfig(file)) as { blueconic: unknown }).blueconic).toEqual({ ...blueconic, clientSecret: 'a-brand-new-secret-1234' });
		expect(saved.text).not.toContain('a-brand-new-secret-1234');
		const read = await console.request(`${consolePath}/api/config`);
		expect(read.text).not.toContain('a-brand-new-secret-1234');
		expect((read.json as { sections: { blueconic: { clientSecret: unknown } } }).sections.blueconic.clientSecret).toEqual({ set: true, env: null });
	});

	it('answers config_read_only with the configuration to download, its secrets left out, when the file cannot be written', async () => {
		// Permission bits do not stop root; a name too long for a temporary file beside it stops everyone.
		const asRoot = process.getuid?.() === 0;
		const mounted = join(folder.path, 'mounted');
		await mkdir(mounted);
		const file = join(mounted, asRoot ? `${'c'.repeat(245)}.json` : 'collector.json');
		await writeConfig(file, fileConfig({ blueconic: { baseUrl: 'https://tenant.blueconic.net', clientId: 'bridge-client', clientSecret: literalSecret } }));
		if (!asRoot) {
			const { chmod } = await import('node:fs/promises');
			await chmod(file, 0o444);
			await chmod(mounted, 0o555);
		}
		collector = await startConsoleCollector((await readConfig(file)) as CollectorConfigInput, { configFile: file, env, watchConfigFile: false });
		const console = collector;
		await console.signIn();
		const before = await readFile(file, 'utf8');
		expect(((await console.request(`${consolePath}/api/config`)).json as { file: unknown }).file).toMatchObject({ writable: false });

		const answer = await console.write('PUT', `${consolePath}/api/config`, { sections: { featuredSegments: { news: 'News readers' } } });
		expect(answer.status).toBe(409);
		expect(errorCode(answer)).toBe('config_read_only');
		const download = (answer.json as { download: Record<string, unknown> }).download;
		expect(download.featuredSegments).toEqual({ news: 'News readers' });
		expect(download.sites).toEqual(fileConfig().sites);
		for (const secret of [literalSecret, apiKey, adminKey]) expect(answer.text).not.toContain(secret);
		expect(await readFile(file, 'utf8')).toBe(before);
		expect(console.collector.config.featuredSegments).toEqual(fileConfig().featuredSegments);
		if (!asRoot) {
			const { chmod } = await import('node:fs/promises');
			await chmod(mounted, 0o755);
		}
	});

	it('ends every console session when adminKeys change live', async () => {
		const file = folder.file('collector.json');
		const console = await startFrom(file, fileConfig());
		expect((await console.request(`${consolePath}/api/session`)).status).toBe(200);
		const changed = await console.collector.live.save({ ...fileConfig(), adminKeys: ['a-new-admin-key-0123456789'] });
		expect(changed).toMatchObject({ status: 'applied', changed: ['adminKeys'] });
		const after = await console.request(`${consolePath}/api/session`);
		expect(after.status).toBe(401);
		expect(errorCode(after)).toBe('admin_session_expired');
	});

	it('turns the console off when adminKeys are removed live', async () => {
		const file = folder.file('collector.json');
		const console = await startFrom(file, fileConfig());
		const { adminKeys: _removed, ...withoutConsole } = fileConfig();
		expect(await console.collector.live.save(withoutConsole)).toMatchObject({ status: 'applied' });
		expect(errorCode(await console.request(`${consolePath}/api/session`))).toBe('not_found');
	});

	it('refuses sections it does not know', async () => {
		const console = await startFrom(folder.file('collector.json'), fileConfig());
		const answer = await console.write('POST', `${consolePath}/api/config/check`, { sections: { apiKeys: ['x'.repeat(20)] } });
		expect(answer.status).toBe(400);
		expect(errorCode(answer)).toBe('invalid_request');
	});
});
