import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runQueueCommand } from '../../server/commands/queue.js';
import { runWorkerCommand } from '../../server/commands/worker.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { type StartedCollector, startCollector } from '../server/collector-fixture.js';
import { freshKeyPrefix, postProfiles, queuedCollectorConfig, queueSections } from './profile-sync-queue-fixture.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

const cli = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
// Run from the repository root so `--import tsx` finds tsx in node_modules.
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

let redis: RedisServer;
let fake: FakeBlueConic;
let directory: string;
const collectors: StartedCollector[] = [];

beforeAll(async () => {
	redis = await startRedisServer();
	fake = await startFakeBlueConic();
	directory = await mkdtemp(join(tmpdir(), 'bcb-queue-command-'));
});
afterAll(async () => {
	await fake.close();
	await redis.stop();
	await rm(directory, { recursive: true, force: true });
});
afterEach(async () => {
	for (const collector of collectors.splice(0)) await collector.stop();
});

/** Runs `blueconic-bridge queue ...` in this process; resolves with its exit code and output. */
async function queueCommand(args: string[]) {
	let stdout = '';
	let stderr = '';
	const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env: {} };
	const code = await runQueueCommand(args, io);
	return { code, stdout, stderr };
}

/**
 * A collector whose queue has one failed user (BlueConic answers CONSENT_MISMATCH for it) beside one delivered, and
 * a config file holding only the sections a queue command needs (no session, sites or API keys).
 */
async function collectorWithFailedUser() {
	const keyPrefix = freshKeyPrefix();
	const collector = await startCollector(queuedCollectorConfig(redis, fake, keyPrefix, { objectiveIds: ['newsletter'] }));
	collectors.push(collector);
	const configPath = join(directory, `${keyPrefix.replace(':', '')}.json`);
	await writeFile(configPath, JSON.stringify(queueSections(redis, fake, keyPrefix, { objectiveIds: ['newsletter'] })));
	const refused = `refused-${keyPrefix.replace(':', '')}@example.com`;
	const accepted = `accepted-${keyPrefix.replace(':', '')}@example.com`;
	fake.setConsentedObjectives(accepted, ['newsletter']);
	expect((await postProfiles(collector.url, [{ email: accepted }, { email: refused, userId: 'u-9' }])).status).toBe(202);
	await expect.poll(async () => (await collector.collector.profileSyncQueue?.jobCounts())?.failed).toBe(1);
	return { collector, configPath, refused, keyPrefix };
}

describe('blueconic-bridge queue', () => {
	it('status counts the jobs by state', async () => {
		const { configPath } = await collectorWithFailedUser();
		const status = await queueCommand(['status', '--config', configPath]);
		expect(status).toEqual({ code: 0, stdout: 'waiting: 0\nactive: 0\ndelayed: 0\nprioritized: 0\nfailed: 1\n', stderr: '' });
	});

	it('failed lists the rejected user with its reason, and retry sends it again', async () => {
		const { configPath, refused } = await collectorWithFailedUser();
		const failed = await queueCommand(['failed', '--config', configPath]);
		expect(failed.code).toBe(0);
		expect(failed.stderr).toBe('1 failed job\n');
		const [line, ...more] = failed.stdout.trim().split('\n');
		expect(more).toEqual([]);
		const job = JSON.parse(line ?? '') as { id: string; email: string; userIds: string[]; reason: string };
		expect(job).toMatchObject({ email: refused, userIds: ['u-9'], reason: expect.stringMatching(/^CONSENT_MISMATCH: /) });

		fake.setConsentedObjectives(refused, ['newsletter']);
		expect(await queueCommand(['retry', '--config', configPath, job.id])).toEqual({ code: 0, stdout: 'retried 1 failed job\n', stderr: '' });
		await expect.poll(() => fake.profiles.has(refused)).toBe(true);
		expect((await queueCommand(['status', '--config', configPath])).stdout).toContain('failed: 0\n');
	});

	it('purge forgets failed users and what they left pending; ids that are not failed jobs are named', async () => {
		const { configPath, refused, keyPrefix } = await collectorWithFailedUser();
		const unknown = await queueCommand(['purge', '--config', configPath, 'no-such-job']);
		expect(unknown).toEqual({ code: 1, stdout: 'purged 0 failed jobs\n', stderr: 'not a failed job: no-such-job\n' });
		expect(await queueCommand(['purge', '--config', configPath, '--all'])).toEqual({ code: 0, stdout: 'purged 1 failed job\n', stderr: '' });
		expect((await queueCommand(['status', '--config', configPath])).stdout).toContain('failed: 0\n');
		const client = new Redis(redis.url);
		try {
			expect(await client.keys(`${keyPrefix}profile-sync-pending:*`)).toEqual([]);
		} finally {
			client.disconnect();
		}
		expect(fake.profiles.has(refused)).toBe(false);
	});

	it('refuses bad arguments and configurations with exit code 2', async () => {
		const configPath = join(directory, 'memory-store.json');
		await writeFile(configPath, JSON.stringify({ store: { type: 'memory' } }));
		expect((await queueCommand(['status', '--config', configPath])).stderr).toContain('store: must be {"type": "redis"');
		expect((await queueCommand(['status', '--config', configPath])).code).toBe(2);
		expect(await queueCommand(['retry', '--config', configPath])).toMatchObject({ code: 2, stderr: expect.stringContaining('--all, or their ids') });
		expect(await queueCommand(['drain', '--config', configPath])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown queue command "drain"') });
		expect(await queueCommand(['failed'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--config is required') });
		const badSection = join(directory, 'bad-section.json');
		await writeFile(badSection, JSON.stringify({ store: { type: 'redis', url: 'http://nope' }, profileSync: { queue: { batchesInFlight: 0 } } }));
		const invalid = await queueCommand(['status', '--config', badSection]);
		expect(invalid.code).toBe(2);
		expect(invalid.stderr).toContain('store.url: must be a redis:// or rediss:// URL');
		expect(invalid.stderr).toContain('profileSync.queue.batchesInFlight: must be greater than 0');
	});

	it('says so, with exit code 1, when Redis cannot be reached', async () => {
		const configPath = join(directory, 'unreachable.json');
		const unreachable = await startRedisServer();
		await unreachable.stop();
		await writeFile(configPath, JSON.stringify({ store: { type: 'redis', url: unreachable.url } }));
		expect(await queueCommand(['status', '--config', configPath])).toEqual({
			code: 1,
			stdout: '',
			stderr: `cannot reach Redis at 127.0.0.1:${unreachable.port}\n`,
		});
	});

	it('is dispatched by the command line', async () => {
		const { configPath } = await collectorWithFailedUser();
		const child = spawn(process.execPath, ['--import', 'tsx', cli, 'queue', 'status', '--config', configPath], {
			cwd: repositoryRoot,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		const code = await new Promise((resolve) => child.on('exit', resolve));
		expect(code).toBe(0);
		expect(stdout).toContain('failed: 1\n');
	});
});

describe('blueconic-bridge worker', () => {
	it('needs a blueconic section and a Redis store (exit code 2)', async () => {
		const configPath = join(directory, 'no-blueconic.json');
		await writeFile(configPath, JSON.stringify({ store: { type: 'redis', url: redis.url } }));
		let stderr = '';
		const io = { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) }, env: {} };
		expect(await runWorkerCommand(['--config', configPath], io)).toBe(2);
		expect(stderr).toContain('blueconic: is required to send profiles');
	});

	it('works the queue of collectors that run no worker, and stops with exit code 0', async () => {
		const keyPrefix = freshKeyPrefix();
		const collector = await startCollector(queuedCollectorConfig(redis, fake, keyPrefix, { worker: false }));
		collectors.push(collector);
		expect((await postProfiles(collector.url, { email: 'worked@example.com' })).status).toBe(202);
		const configPath = join(directory, 'worker.json');
		await writeFile(configPath, JSON.stringify(queueSections(redis, fake, keyPrefix)));
		let stdout = '';
		const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true }, env: { LOG_LEVEL: 'silent' } };
		const stop = new AbortController();
		const exit = runWorkerCommand(['--config', configPath], io, { signal: stop.signal });
		await expect.poll(() => fake.profiles.has('worked@example.com')).toBe(true);
		expect(stdout).toBe('blueconic-bridge profile-sync worker running\n');
		stop.abort();
		expect(await exit).toBe(0);
	});
});
