import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createCollector, createLogger, listen } from '../server/index.js';
import { paths } from '../server/http/paths.js';
import { ProgressReporter } from '../server/profile-sync/backfill/progress.js';
import { runBackfill } from '../server/profile-sync/backfill/run-backfill.js';
import { createProfileSync } from '../server/profile-sync/index.js';
// The fake BlueConic and the redis-server harness of the tests (the build emits them beside the bench).
import { startFakeBlueConic } from '../test/fakes/blueconic-rest.js';
import { startRedisServer } from '../test/redis/redis-server.js';
import { LoadGenerator } from './load.js';
import type { LoadRequest } from './load-job.js';

/**
 * Profiles per second into a fake BlueConic (in this process, on loopback) three ways: the direct backfill
 * (`blueconic-bridge sync`: 4 batches of 1000 in flight), and through the queue (webhook → Redis → the worker inside
 * the collector → BlueConic), once with one user per webhook (Zephr's case) and once with 1000 per webhook.
 * Redis is a real redis-server with an append-only file synced every second. See docs/bench.md.
 */
export interface QueueBenchSettings {
	/** Users of the backfill and of the batched webhooks; the single-user run sends as many as it can in `durationMs`. */
	readonly users: number;
	readonly durationMs: number;
	readonly connections: number;
}

interface QueuedRun {
	readonly users: number;
	/** Users answered 202 per second while the webhooks were being sent. */
	readonly acceptedPerSecond: number;
	/** Users in BlueConic per second, from the first webhook to the last profile stored. */
	readonly deliveredPerSecond: number;
}

const apiKey = 'bench-api-key-0123456789';

export async function runQueueBench(settings: QueueBenchSettings): Promise<void> {
	console.log(`\nProfile sync: ${settings.users.toLocaleString('en')} users into a fake BlueConic, direct backfill vs the Redis queue…`);
	const direct = await measureDirectBackfill(settings.users);
	console.log(`  direct backfill (sync, 4 × 1000 in flight)      ${format(direct)} profiles/s`);
	const batched = await measureQueued(settings, 'batched');
	console.log(`  queued, 1000 users per webhook                   ${format(batched.deliveredPerSecond)} profiles/s delivered (${format(batched.acceptedPerSecond)}/s accepted)`);
	const single = await measureQueued(settings, 'single');
	console.log(
		`  queued, one user per webhook (${settings.connections} connections)     ${format(single.deliveredPerSecond)} profiles/s delivered ` +
			`(${format(single.acceptedPerSecond)}/s accepted, ${single.users.toLocaleString('en')} users)`,
	);
	console.log(
		`  queued ÷ direct: ${(batched.deliveredPerSecond / direct).toFixed(2)} (batched webhooks), ${(single.deliveredPerSecond / direct).toFixed(2)} (single-user webhooks)`,
	);
}

async function measureDirectBackfill(users: number): Promise<number> {
	const fake = await startFakeBlueConic();
	const directory = await mkdtemp(join(tmpdir(), 'bcb-bench-backfill-'));
	try {
		const inputPath = join(directory, 'users.ndjson');
		await writeFile(inputPath, `${emails(users).map((email) => JSON.stringify({ email })).join('\n')}\n`);
		const profileSync = createProfileSync({
			blueconic: { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'test-secret', scope: undefined, timeoutMs: 10_000 },
			registry: new Registry(),
		});
		const summary = await runBackfill({
			inputPath,
			concurrency: 4,
			batchSize: 1000,
			syncUsers: (batch, signal) => profileSync.syncUsers(batch, signal),
			progress: new ProgressReporter({ write: () => true }, 60_000),
		});
		await profileSync.close();
		if (summary.status !== 'completed' || fake.profiles.size !== users) throw new Error(`the backfill ended ${summary.status}`);
		return users / summary.seconds;
	} finally {
		await fake.close();
		await rm(directory, { recursive: true, force: true });
	}
}

async function measureQueued(settings: QueueBenchSettings, shape: 'single' | 'batched'): Promise<QueuedRun> {
	const redis = await startRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'everysec'] });
	const fake = await startFakeBlueConic();
	const collector = createCollector(
		{
			session: { validate: { type: 'memory' } },
			sites: '*',
			apiKeys: [apiKey],
			store: { type: 'redis', url: redis.url },
			blueconic: { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'test-secret' },
		},
		{ logger: createLogger('silent') },
	);
	const running = await listen(collector, { port: 0, host: '127.0.0.1' });
	const port = (running.server.address() as AddressInfo).port;
	try {
		const startedAt = performance.now();
		const { users, sendingMs } = shape === 'single' ? await postSingleUsers(port, settings) : await postBatches(running.url, settings.users);
		await waitFor(() => fake.profiles.size >= users);
		const deliveredMs = performance.now() - startedAt;
		return { users, acceptedPerSecond: (users / sendingMs) * 1000, deliveredPerSecond: (users / deliveredMs) * 1000 };
	} finally {
		await running.stop();
		await fake.close();
		await redis.stop();
	}
}

/** As many single-user webhooks as the load generator sends in `durationMs` (each user distinct). */
async function postSingleUsers(port: number, settings: QueueBenchSettings): Promise<{ users: number; sendingMs: number }> {
	// More prepared requests than can be sent in the time, so that no user is sent twice.
	const requests: LoadRequest[] = emails(Math.max(settings.users, Math.ceil(settings.durationMs * 20))).map((email) => ({
		method: 'POST',
		path: paths.profileSync,
		headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ email }),
	}));
	const load = new LoadGenerator();
	try {
		const result = await load.run({ host: '127.0.0.1', port, requests, connections: settings.connections, durationMs: settings.durationMs, expectedStatus: 202 });
		if (result.errors > 0) throw new Error(`${result.errors} of ${result.requests} webhooks failed (first: ${result.firstError})`);
		if (result.requests > requests.length) throw new Error('the load generator sent some users twice: prepare more requests');
		return { users: result.requests, sendingMs: settings.durationMs };
	} finally {
		await load.close();
	}
}

/** `users` users in webhooks of 1000, two in flight. */
async function postBatches(baseUrl: string, users: number): Promise<{ users: number; sendingMs: number }> {
	const all = emails(users).map((email) => ({ email }));
	const startedAt = performance.now();
	let next = 0;
	const sender = async (): Promise<void> => {
		while (next < all.length) {
			const batch = all.slice(next, (next += 1000));
			const response = await fetch(`${baseUrl}${paths.profileSync}`, {
				method: 'POST',
				headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
				body: JSON.stringify(batch),
			});
			if (response.status !== 202) throw new Error(`a webhook was answered ${response.status}: ${await response.text()}`);
		}
	};
	await Promise.all([sender(), sender()]);
	return { users, sendingMs: performance.now() - startedAt };
}

function emails(count: number): string[] {
	return Array.from({ length: count }, (_, index) => `bench-user-${index}@example.com`);
}

async function waitFor(condition: () => boolean): Promise<void> {
	const deadline = Date.now() + 600_000;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('the queue did not deliver every user within 10 minutes');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

function format(perSecond: number): string {
	return Math.round(perSecond).toLocaleString('en').padStart(7);
}
