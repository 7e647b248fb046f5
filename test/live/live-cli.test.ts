import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signSessionCookie } from '../../server/sessions/signed.js';
import { apiKey } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';
import { configText, tempFolder } from './live-fixture.js';

// The command line as installed: the built `bin` (npm test builds before testing).
const cliPath = fileURLToPath(new URL('../../dist/server/cli.js', import.meta.url));
const sessionSecret = 'live-cli-test-secret-0123456789';
const env = { ...process.env, SESSION_SECRET: sessionSecret, BRIDGE_API_KEY: apiKey, LOG_LEVEL: 'info' };
const children: ChildProcess[] = [];
let folder: Awaited<ReturnType<typeof tempFolder>>;

beforeEach(async () => {
	folder = await tempFolder();
});
afterEach(async () => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
	await folder.remove();
});

function config(overrides: Record<string, unknown> = {}) {
	return {
		session: { validate: { type: 'signed', secret: 'env:SESSION_SECRET' } },
		sites: '*',
		apiKeys: ['env:BRIDGE_API_KEY'],
		featuredSegments: { sports: 'Sports fans' },
		...overrides,
	};
}

/** As editors and ConfigMaps do: a whole new file renamed over the old, so no reader sees half of one. */
async function replaceFile(path: string, text: string): Promise<void> {
	await writeFile(`${path}.new`, text);
	await rename(`${path}.new`, path);
}

function serve(configPath: string) {
	const child = spawn(process.execPath, [cliPath, 'serve', '--config', configPath, '--port', '0', '--host', '127.0.0.1'], {
		env,
		stdio: 'pipe',
	});
	children.push(child);
	let stdout = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	const listening = new Promise<string>((resolve, reject) => {
		child.stdout.on('data', () => {
			const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
			if (url) resolve(url);
		});
		child.on('exit', () => reject(new Error(`exited before listening: ${stdout}`)));
	});
	const lines = () =>
		stdout
			.split('\n')
			.filter((line) => line.startsWith('{'))
			.map((line) => JSON.parse(line) as Record<string, unknown>);
	return { child, listening, lines };
}

const cookie = `blaize_session=${signSessionCookie('live-cli-session', sessionSecret, new Date(Date.now() + 600_000))}`;

function decide(url: string, query: string) {
	return send(`${url}/plugins/public/blueconic/decision?${query}`, { headers: { host: 'www.publisher.test', cookie } });
}

function report(url: string, segments: string[]) {
	return send(`${url}/plugins/public/blueconic/segments`, {
		method: 'POST',
		body: JSON.stringify(segments),
		headers: { host: 'www.publisher.test', 'content-type': 'application/json', cookie },
	});
}

describe('serve --config, changed while it runs', () => {
	it('applies a change to the file without a restart, keeping the session\'s segments', async () => {
		const path = folder.file('collector.json');
		await writeFile(path, configText(config()));
		const cli = serve(path);
		const url = await cli.listening;
		expect((await report(url, ['sports', 'news'])).status).toBe(204);
		expect(errorCode(await decide(url, 'featured=news'))).toBe('unknown_featured_segment');

		await writeFile(`${path}.new`, configText(config({ featuredSegments: { news: 'News readers' } })));
		const writtenAt = performance.now();
		await rename(`${path}.new`, path);
		await expect.poll(async () => (await decide(url, 'featured=news')).json, { interval: 5, timeout: 10_000 }).toMatchObject({
			segment: 'news',
			result: 'yes',
		});
		console.log(`file written → first decision with the new config: ${(performance.now() - writtenAt).toFixed(1)} ms (debounce 150 ms)`);
		expect(cli.lines().find((line) => String(line.msg).startsWith('configuration applied'))).toMatchObject({
			level: 30,
			source: 'file',
			changed: ['featuredSegments'],
		});
		expect((await decide(url, 'segment=sports')).json).toMatchObject({ result: 'yes' });
	});

	it('refuses an invalid file, logging each problem with its path, and keeps serving the old configuration', async () => {
		const path = folder.file('collector.json');
		await writeFile(path, configText(config()));
		const cli = serve(path);
		const url = await cli.listening;
		await replaceFile(path, configText(config({ featuredSegments: { news: 'News' }, sites: [{ host: 'https://www.publisher.test/' }] })));
		await expect.poll(() => cli.lines().find((line) => line.status === 'invalid'), { timeout: 10_000 }).toBeDefined();
		const refused = cli.lines().find((line) => line.status === 'invalid');
		expect(refused).toMatchObject({ level: 40, source: 'file', problems: [{ path: 'sites[0].host' }] });
		expect(String(refused?.msg)).toContain('sites[0].host');
		expect(errorCode(await decide(url, 'featured=news'))).toBe('unknown_featured_segment');
		expect((await decide(url, 'featured=sports')).status).toBe(200);

		// Broken JSON too.
		await replaceFile(path, '{ "session": ');
		await expect
			.poll(() => cli.lines().filter((line) => line.status === 'invalid').length, { timeout: 10_000 })
			.toBe(2);
		expect((await decide(url, 'featured=sports')).status).toBe(200);
	});

	it('refuses a change that needs a restart, saying so', async () => {
		const path = folder.file('collector.json');
		await writeFile(path, configText(config()));
		const cli = serve(path);
		const url = await cli.listening;
		const changed = config({ session: { cookieName: 'other_session', validate: { type: 'signed', secret: 'env:SESSION_SECRET' } } });
		await replaceFile(path, configText({ ...changed, featuredSegments: { news: 'News' } }));
		await expect.poll(() => cli.lines().find((line) => line.status === 'restart_required'), { timeout: 10_000 }).toBeDefined();
		const refused = cli.lines().find((line) => line.status === 'restart_required');
		expect(refused).toMatchObject({ level: 40, problems: [{ path: 'session.cookieName', message: expect.stringContaining('restart') }] });
		expect(errorCode(await decide(url, 'featured=news'))).toBe('unknown_featured_segment');
	});

	it('reloads on SIGHUP a change the folder watch cannot see (a symlinked file changed where it lives)', async () => {
		// The collector's folder holds a symlink; the file it points to is edited in place elsewhere.
		const real = join(folder.path, 'elsewhere');
		const linked = join(folder.path, 'config');
		await mkdir(real);
		await mkdir(linked);
		const target = join(real, 'collector.json');
		await writeFile(target, configText(config()));
		const path = join(linked, 'collector.json');
		await symlink(target, path);
		const cli = serve(path);
		const url = await cli.listening;

		await writeFile(target, configText(config({ featuredSegments: { news: 'News readers' } })));
		// Nothing applies it until the signal (the watch sees nothing in the collector's folder)...
		expect(errorCode(await decide(url, 'featured=news'))).toBe('unknown_featured_segment');
		cli.child.kill('SIGHUP');
		await expect.poll(async () => (await decide(url, 'featured=news')).status, { timeout: 10_000 }).toBe(200);
		expect(cli.lines().find((line) => String(line.msg).startsWith('configuration applied'))).toMatchObject({
			source: 'signal',
			changed: ['featuredSegments'],
		});
		// Field names are logged, never values.
		expect(JSON.stringify(cli.lines())).not.toContain(sessionSecret);
		expect(JSON.stringify(cli.lines())).not.toContain(apiKey);
	});
});
