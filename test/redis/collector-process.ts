import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { signSessionCookie } from '../../server/sessions/signed.js';
import { apiKey } from '../server/collector-fixture.js';

const cli = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
// Run from the repository root so `--import tsx` finds tsx in node_modules.
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export const sessionSecret = 'redis-process-test-secret-0123';

/** Signed sessions (any instance can check them), the fixtures' site, the store in Redis at `env:REDIS_URL`. */
export function redisCollectorConfig(overrides: Partial<CollectorConfigInput> = {}): CollectorConfigInput {
	return {
		session: { validate: { type: 'signed', secret: 'env:SESSION_SECRET' } },
		sites: [{ host: 'www.publisher.test' }],
		apiKeys: ['env:BRIDGE_API_KEY'],
		store: { type: 'redis', url: 'env:REDIS_URL' },
		...overrides,
	};
}

/** A session cookie value every instance sharing `sessionSecret` accepts. */
export function sessionCookie(sessionId: string): string {
	return signSessionCookie(sessionId, sessionSecret, new Date(Date.now() + 3_600_000));
}

export interface CollectorProcess {
	url: string;
	/** SIGTERM, then the exit code once it has drained and exited. */
	stop(): Promise<number | null>;
	/** Everything it wrote to stdout and stderr so far (for failure messages). */
	output(): string;
}

/** `blueconic-bridge serve` from the sources, in a process of its own, with `config` written to `folder`. */
export async function startCollectorProcess(
	folder: string,
	name: string,
	config: CollectorConfigInput,
	redisUrl: string,
): Promise<CollectorProcess> {
	const configPath = join(folder, `${name}.json`);
	await writeFile(configPath, JSON.stringify(config));
	const child: ChildProcess = spawn(
		process.execPath,
		['--import', 'tsx', cli, 'serve', '--config', configPath, '--port', '0', '--host', '127.0.0.1'],
		{
			cwd: repositoryRoot,
			env: { ...process.env, SESSION_SECRET: sessionSecret, BRIDGE_API_KEY: apiKey, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' },
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	const url = await new Promise<string>((resolve, reject) => {
		const onData = (): void => {
			const address = /listening on (http:\/\/\S+)/.exec(output)?.[1];
			if (address !== undefined) {
				child.stdout?.off('data', onData);
				resolve(address);
			}
		};
		child.stdout?.on('data', onData);
		void exited.then((code) => reject(new Error(`collector ${name} exited (${code}) before listening: ${output}`)));
	});
	running.add(child);
	return {
		url,
		async stop() {
			child.kill('SIGTERM');
			const code = await exited;
			running.delete(child);
			return code;
		},
		output: () => output,
	};
}

const running = new Set<ChildProcess>();

/** Kills every collector process still running (afterEach / afterAll). */
export function killCollectorProcesses(): void {
	for (const child of running) child.kill('SIGKILL');
	running.clear();
}
