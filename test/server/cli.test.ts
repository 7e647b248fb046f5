import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { signSessionCookie } from '../../server/sessions/signed.js';
import { startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { apiKey } from './collector-fixture.js';
import { errorCode, send } from './http-client.js';
import { openRawConnection } from './raw-http.js';

// The command line as installed: the built `bin` (npm test builds before testing).
const cliPath = fileURLToPath(new URL('../../dist/server/cli.js', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'bridge-cli-'));
const children: ChildProcess[] = [];

function writeConfig(name: string, config: unknown): string {
	const path = join(folder, name);
	writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config));
	return path;
}

const validConfig = {
	session: { validate: { type: 'signed', secret: 'env:SESSION_SECRET' } },
	sites: '*',
	apiKeys: ['env:BRIDGE_API_KEY'],
};
const env = { ...process.env, SESSION_SECRET: 'cli-test-secret-0123456789', BRIDGE_API_KEY: apiKey, LOG_LEVEL: 'silent' };

function run(args: string[], extraEnv: Record<string, string | undefined> = {}) {
	const child = spawn(process.execPath, [cliPath, ...args], { env: { ...env, ...extraEnv }, stdio: 'pipe' });
	children.push(child);
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	const listening = new Promise<string>((resolve, reject) => {
		child.stdout.on('data', () => {
			const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
			if (url) resolve(url);
		});
		void exited.then(() => reject(new Error(`exited before listening: ${stderr}`)));
	});
	listening.catch(() => {}); // tests of failed starts never wait for it
	return { child, exited, listening, output: () => ({ stdout, stderr }) };
}

afterEach(() => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('blueconic-bridge serve', () => {
	it('is built', () => {
		expect(existsSync(cliPath), 'run npm run build first').toBe(true);
	});

	it('prints the address once ready, serves, and exits 0 on SIGTERM after finishing requests in flight', async () => {
		const cli = run(['serve', '--config', writeConfig('ok.json', validConfig), '--port', '0', '--host', '127.0.0.1']);
		const url = await cli.listening;
		expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect((await send(`${url}/healthz`)).status).toBe(200);

		// A decision waiting for a first report is in flight when the signal arrives: it must still be answered.
		const cookie = signSessionCookie('s1', env.SESSION_SECRET, new Date(Date.now() + 60_000));
		const inFlight = send(`${url}/plugins/public/blueconic/decision?segment=a&wait=3000`, {
			headers: { cookie: `blaize_session=${cookie}` },
		});
		// Signal once the child is answering it: the scrape is the other request in flight then.
		await expect
			.poll(async () => (await send(`${url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } })).text)
			.toMatch(/^blueconic_bridge_http_requests_in_flight 2$/m);
		cli.child.kill('SIGTERM');
		const answer = await inFlight;
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({ segment: 'a', result: 'unknown', source: 'browser' });
		expect(await cli.exited).toBe(0);
	});

	it('prints its start-up line as JSON, whatever LOG_LEVEL says', async () => {
		const cli = run(['serve', '--config', writeConfig('ok.json', validConfig), '--port', '0', '--host', '127.0.0.1']);
		const url = await cli.listening;
		const line = cli.output().stdout.split('\n').find((candidate) => candidate.includes('listening on'));
		expect(JSON.parse(line ?? '')).toMatchObject({ level: 30, service: 'blueconic-bridge', url, msg: expect.stringContaining(`listening on ${url} `) });
	});

	// SIGHUP reloads the configuration (it was logged and ignored before live configuration): see test/live/.
	it('reloads the configuration on SIGHUP, logging it as JSON, and keeps running', async () => {
		const cli = run(['serve', '--config', writeConfig('ok.json', validConfig), '--port', '0', '--host', '127.0.0.1'], { LOG_LEVEL: 'info' });
		const url = await cli.listening;
		cli.child.kill('SIGHUP');
		await expect.poll(() => cli.output().stdout).toContain('SIGHUP: reloading');
		const line = cli.output().stdout.split('\n').find((candidate) => candidate.includes('SIGHUP: reloading'));
		expect(JSON.parse(line ?? '')).toMatchObject({ level: 30, signal: 'SIGHUP' });
		expect((await send(`${url}/healthz`)).status).toBe(200);
		cli.child.kill('SIGTERM');
		expect(await cli.exited).toBe(0);
	});

	it('a second signal during the drain closes every connection and exits 1 at once, saying so', async () => {
		const config = writeConfig('drain.json', { ...validConfig, server: { drainSeconds: 30 } });
		const cli = run(['serve', '--config', config, '--port', '0', '--host', '127.0.0.1'], { LOG_LEVEL: 'info' });
		const url = await cli.listening;
		expect((await send(`${url}/readyz`)).status).toBe(200);
		cli.child.kill('SIGTERM');
		// Draining: still serving, not ready.
		await expect.poll(async () => (await send(`${url}/readyz`)).status).toBe(503);
		const idle = await openRawConnection(url);
		cli.child.kill('SIGINT');
		expect(await cli.exited).toBe(1);
		await idle.closed;
		const line = cli.output().stdout.split('\n').find((candidate) => candidate.includes('second signal'));
		expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 40, signal: 'SIGINT', msg: expect.stringContaining('exiting at once') });
	});

	it('exits 0 on SIGTERM while a half-open connection holds no request, without waiting for the grace', async () => {
		const cli = run(['serve', '--config', writeConfig('ok.json', validConfig), '--port', '0', '--host', '127.0.0.1']);
		const url = await cli.listening;
		const halfOpen = await openRawConnection(url);
		halfOpen.socket.write('POST /plugins/blueconic/decide HTTP/1.1\r\nHost: localhost\r\n'); // and nothing more
		const silent = await openRawConnection(url);
		expect(silent.received()).toBe('');
		cli.child.kill('SIGTERM');
		expect(await cli.exited).toBe(0);
		// Closed by the server (this test never closes it): with a FIN, or a reset when the partial headers were still
		// unread in its socket buffer at that instant.
		await halfOpen.closed;
		await silent.closed;
	});

	it('on SIGTERM, aborts a webhook still waiting on a slow BlueConic at the end of the grace, then exits 0', async () => {
		const blueconic = await startFakeBlueConic();
		const putsAt: number[] = [];
		blueconic.inject({ kind: 'delay', delayMs: 120_000, times: Infinity, when: () => putsAt.push(Date.now()) > 0 });
		try {
			const graceSeconds = 2;
			const config = writeConfig('slow-blueconic.json', {
				...validConfig,
				server: { shutdownGraceSeconds: graceSeconds },
				blueconic: { baseUrl: blueconic.url, clientId: 'test-client', clientSecret: 'test-secret', timeoutMs: 60_000 },
			});
			const cli = run(['serve', '--config', config, '--port', '0', '--host', '127.0.0.1']);
			const url = await cli.listening;
			const answer = send(`${url}/plugins/blueconic/profile-sync`, {
				method: 'POST',
				headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
				body: JSON.stringify({ email: 'slow@example.com' }),
			});
			await expect.poll(() => putsAt.length).toBe(1);
			const signalledAt = Date.now();
			cli.child.kill('SIGTERM');
			const response = await answer;
			const answeredAt = Date.now();
			expect(response.status).toBe(503);
			expect(errorCode(response)).toBe('shutting_down');
			expect(response.headers['retry-after']).toBeDefined();
			expect(await cli.exited).toBe(0);
			// Bounded: the grace and a margin for a busy machine, not BlueConic's minute-long timeout and its retries.
			expect(Date.now() - signalledAt).toBeLessThan((graceSeconds + 10) * 1000);
			expect(putsAt.filter((at) => at >= answeredAt)).toEqual([]);
			expect(putsAt).toHaveLength(1);
		} finally {
			await blueconic.close();
		}
	});

	it('takes the port and host from PORT and HOST', async () => {
		const cli = run(['serve', '--config', writeConfig('ok.json', validConfig)], { PORT: '0', HOST: '127.0.0.1' });
		expect(await cli.listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
	});

	it('refuses an invalid configuration, naming every bad field, and exits 1', async () => {
		const path = writeConfig('bad.json', {
			session: { validate: { type: 'http', url: 'not a url' } },
			sites: [{ host: 'www.example.com', origins: ['https://www.example.com/path'] }],
			segments: { ttlSeconds: -1 },
		});
		const cli = run(['serve', '--config', path, '--port', '0']);
		expect(await cli.exited).toBe(1);
		const { stderr } = cli.output();
		expect(stderr).toContain('session.validate.url: must be an absolute http or https URL');
		expect(stderr).toContain('sites[0].origins[0]: must be an https or http origin');
		expect(stderr).toContain('segments.ttlSeconds: must be greater than 0');
	});

	it('names a missing environment variable without showing any secret', async () => {
		const cli = run(['serve', '--config', writeConfig('ok.json', validConfig), '--port', '0'], { BRIDGE_API_KEY: undefined });
		expect(await cli.exited).toBe(1);
		const { stderr } = cli.output();
		expect(stderr).toContain('apiKeys[0]: environment variable BRIDGE_API_KEY is not set');
		expect(stderr).not.toContain(env.SESSION_SECRET);
	});

	it('explains a file that is not JSON', async () => {
		const cli = run(['serve', '--config', writeConfig('broken.json', '{ nope'), '--port', '0']);
		expect(await cli.exited).toBe(1);
		expect(cli.output().stderr).toContain('is not valid JSON');
	});

	it('prints usage and exits 2 without --config or with an unknown command', async () => {
		const missing = run(['serve']);
		expect(await missing.exited).toBe(2);
		expect(missing.output().stderr).toContain('--config is required');
		const unknown = run(['launch']);
		expect(await unknown.exited).toBe(2);
		expect(unknown.output().stderr).toContain('unknown command "launch"');
	});

	it('dispatches sync to the backfill command', async () => {
		const sync = run(['sync', '--config', writeConfig('ok.json', validConfig)]);
		expect(await sync.exited).toBe(2);
		expect(sync.output().stderr).toContain('blueconic-bridge sync --config');
	});
});

describe('blueconic-bridge --help and --version', () => {
	const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

	it('prints the version of package.json and exits 0', async () => {
		const cli = run(['--version']);
		expect(await cli.exited).toBe(0);
		expect(cli.output()).toEqual({ stdout: `${version}\n`, stderr: '' });
	});

	it.each([['--help'], ['-h'], ['help']])('prints the usage of every command for %s and exits 0', async (flag) => {
		const cli = run([flag]);
		expect(await cli.exited).toBe(0);
		const { stdout, stderr } = cli.output();
		expect(stdout).toContain('blueconic-bridge serve --config <file.json>');
		expect(stdout).toContain('blueconic-bridge sync --config <file.json> --input <users.ndjson>');
		expect(stderr).toBe('');
	});

	it.each([
		['serve', '--help'],
		['serve', '-h'],
		['sync', '--help'],
		['sync', '-h'],
	])('prints the usage of %s for %s and exits 0, starting nothing', async (command, flag) => {
		// A --config beside --help changes nothing: help is asked for, nothing is read or started.
		const cli = run([command, '--config', join(folder, 'missing.json'), flag]);
		expect(await cli.exited).toBe(0);
		const { stdout, stderr } = cli.output();
		expect(stdout).toContain(`usage: blueconic-bridge ${command} --config <file.json>`);
		expect(stdout).not.toContain('listening');
		expect(stderr).toBe('');
	});

	it('prints the usage on stderr and exits 2 without a command', async () => {
		const cli = run([]);
		expect(await cli.exited).toBe(2);
		expect(cli.output().stdout).toBe('');
		expect(cli.output().stderr).toContain('blueconic-bridge serve --config <file.json>');
	});
});
