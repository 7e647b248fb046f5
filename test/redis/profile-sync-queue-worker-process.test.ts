import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { profileWrites } from '../profile-sync/helpers.js';
import { type StartedCollector, startCollector } from '../server/collector-fixture.js';
import { freshKeyPrefix, postProfiles, queuedCollectorConfig, queueSections } from './profile-sync-queue-fixture.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

const cli = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
// Run from the repository root so `--import tsx` finds tsx in node_modules.
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const userCount = 3_000;
const updatedCount = 200;

let redis: RedisServer;
let fake: FakeBlueConic;
let directory: string;
let collector: StartedCollector;
const children: ChildProcess[] = [];

beforeAll(async () => {
	redis = await startRedisServer();
	fake = await startFakeBlueConic();
	directory = await mkdtemp(join(tmpdir(), 'bcb-worker-process-'));
});
afterAll(async () => {
	await fake.close();
	await redis.stop();
	await rm(directory, { recursive: true, force: true });
});
afterEach(async () => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
	await collector?.stop();
});

/** `blueconic-bridge worker` in its own process; resolves how it exited. */
function startWorkerProcess(configPath: string) {
	const child = spawn(process.execPath, ['--import', 'tsx', cli, 'worker', '--config', configPath], {
		cwd: repositoryRoot,
		env: { ...process.env, LOG_LEVEL: 'silent' },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	children.push(child);
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
		child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
	);
	return { child, exited };
}

const firstName = (index: number, version: 1 | 2) => `name-${index}-v${version}`;

describe('blueconic-bridge worker killed in the middle of a batch', () => {
	it('loses no queued user and changes no outcome: the next worker sends what was in flight again', async () => {
		const keyPrefix = freshKeyPrefix();
		collector = await startCollector(queuedCollectorConfig(redis, fake, keyPrefix, { worker: false }));
		const configPath = join(directory, 'worker.json');
		await writeFile(configPath, JSON.stringify(queueSections(redis, fake, keyPrefix)));
		const users = Array.from({ length: userCount }, (_, index) => ({ email: `user${index}@example.com`, attributes: { 'first-name': firstName(index, 1) } }));
		for (let start = 0; start < userCount; start += 1_000) {
			expect((await postProfiles(collector.url, users.slice(start, start + 1_000))).status).toBe(202);
		}
		// Some users change after being queued: their second update must be what BlueConic ends up with.
		const updates = Array.from({ length: updatedCount }, (_, index) => ({ email: `user${index}@example.com`, attributes: { 'first-name': firstName(index, 2) } }));
		expect((await postProfiles(collector.url, updates)).status).toBe(202);

		// The first PUTs stall; the second one BlueConic stores, and the worker is killed the moment it has: stored but
		// not yet recorded as delivered, with another batch still in flight.
		const first = startWorkerProcess(configPath);
		let puts = 0;
		fake.inject({
			kind: 'delay',
			delayMs: 60_000,
			times: Infinity,
			when: () => {
				puts++;
				if (puts === 2) setImmediate(() => first.child.kill('SIGKILL'));
				return puts !== 2 && first.child.exitCode === null && first.child.signalCode === null;
			},
		});
		const killed = await first.exited;
		expect(killed.signal, killed.stderr).toBe('SIGKILL');
		const storedBeforeTheKill = fake.profiles.size;
		expect(storedBeforeTheKill).toBeGreaterThan(0);
		expect(storedBeforeTheKill).toBeLessThan(userCount);

		const second = startWorkerProcess(configPath);
		await expect.poll(() => fake.profiles.size, { timeout: 60_000 }).toBe(userCount);
		// Every profile can be stored while the jobs of the batch stored at the kill are still held by the dead worker:
		// they come back only once found stalled (stalledAfterSeconds) and are sent again. Wait for the queue to drain.
		const drained = { waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 0 };
		await expect.poll(() => collector.collector.profileSyncQueue?.jobCounts(), { timeout: 60_000 }).toEqual(drained);
		for (const [index] of users.entries()) {
			const profile = fake.profiles.get(`user${index}@example.com`);
			expect(profile?.properties.firstname).toEqual([firstName(index, index < updatedCount ? 2 : 1)]);
		}
		// The batch stored at the kill was not recorded as delivered, so the next worker sent it again...
		expect(fake.acceptedEntries.length).toBeGreaterThan(userCount);
		// ...and those entries came back UNCHANGED: each profile was written once, or twice for the users updated
		// after a first version of them had been stored.
		for (const profile of fake.profiles.values()) expect(profile.writes).toBeLessThanOrEqual(2);
		// No older version of a user arrived after a newer one.
		const lastVersion = new Map<string, string>();
		for (const request of profileWrites(fake).filter((write) => write.status === 200)) {
			for (const entry of request.body as { identifier: string; properties: { id: string; values: string[] }[] }[]) {
				const name = entry.properties.find((property) => property.id === 'firstname')?.values[0] ?? '';
				expect(lastVersion.get(entry.identifier)?.endsWith('v2') === true && name.endsWith('v1'), entry.identifier).toBe(false);
				lastVersion.set(entry.identifier, name);
			}
		}

		second.child.kill('SIGTERM');
		expect((await second.exited).code).toBe(0);
		expect(await collector.collector.profileSyncQueue?.jobCounts()).toEqual(drained);
	}, 120_000);
});
