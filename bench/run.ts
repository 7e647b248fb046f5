import type { AddressInfo } from 'node:net';
import { createCollector, createLogger, listen } from '../server/index.js';
import { paths } from '../server/http/paths.js';
import { startBareServer } from './bare-server.js';
import { pickSegmentIds, segmentIdPool } from './fixtures.js';
import { LoadGenerator } from './load.js';
import type { LoadRequest, LoadResult } from './load-job.js';
import { measureLargestReportsInChild, measureStoreMemoryInChild } from './memory.js';
import { benchProxy } from './proxy.js';
import { runQueueBench } from './queue.js';
import { measureRedisStoreMemory } from './redis-memory.js';
import { median } from './stats.js';
import { mainThreadCpuMicros, processCpuMicros } from './thread-cpu.js';
import { type RedisServer, startRedisServer } from '../test/redis/redis-server.js';

/**
 * `npm run bench`: the collector's two browser endpoints against a bare node:http server doing the same work,
 * and the same collector with its store and rate limit in Redis (a redis-server the bench starts), in one process
 * on loopback (servers on the main thread, the load generator in a worker thread), then the memory each store
 * holds per session. See docs/bench.md.
 */
const settings = {
	connections: readNumber('BENCH_CONNECTIONS', 32),
	durationMs: readNumber('BENCH_DURATION_MS', 5_000),
	warmUpMs: readNumber('BENCH_WARMUP_MS', 2_000),
	rounds: readNumber('BENCH_ROUNDS', 3),
	sessions: readNumber('BENCH_SESSIONS', 10_000),
	memorySessions: readNumber('BENCH_MEMORY_SESSIONS', 1_000_000),
	redisMemorySessions: readNumber('BENCH_REDIS_MEMORY_SESSIONS', 100_000),
	segmentsPerSession: 5,
};

/** `collector`: segments in this process (the default); `redis`: the same collector with the store in Redis. */
type TargetName = 'bare' | 'collector' | 'redis';

interface Target {
	name: TargetName;
	port: number;
}

/**
 * A load result with the server's cost: the CPU time its (main) thread used per request, and redis-server's
 * (NaN off Linux).
 */
interface Measured extends LoadResult {
	cpuMicrosPerRequest: number;
	redisCpuMicrosPerRequest: number;
}

interface Comparison {
	endpoint: string;
	results: Record<TargetName, Measured[]>;
}

async function main(): Promise<void> {
	const redisServer = await startRedisServer();
	try {
		await measure(redisServer);
	} finally {
		await redisServer.stop();
	}
}

async function measure(redisServer: RedisServer): Promise<void> {
	console.log(
		`blueconic-bridge bench: ${settings.connections} connections, ${settings.rounds} rounds of ${settings.durationMs / 1000} s ` +
			`per server and endpoint (after a ${settings.warmUpMs / 1000} s warm-up), ${settings.sessions} sessions; Node ${process.version}\n`,
	);
	const collector = createCollector(
		{
			session: { validate: { type: 'memory' } },
			sites: [{ host: '127.0.0.1' }],
			// Every report is checked against the limit, but the bench's sessions post far more than a browser does.
			segments: { postsPerMinute: 1_000_000_000 },
		},
		{ logger: createLogger('silent') },
	);
	// The same collector with segments, waits and the limit in Redis; it accepts the first one's sessions.
	const redisCollector = createCollector(
		{
			session: { validate: { type: 'memory' } },
			sites: [{ host: '127.0.0.1' }],
			segments: { postsPerMinute: 1_000_000_000 },
			store: { type: 'redis', url: redisServer.url },
		},
		{ logger: createLogger('silent'), sessions: collector.memorySessions },
	);
	const running = await listen(collector, { port: 0, host: '127.0.0.1' });
	const runningWithRedis = await listen(redisCollector, { port: 0, host: '127.0.0.1' });
	const bare = await startBareServer();
	const load = new LoadGenerator();

	try {
		const pool = segmentIdPool();
		const sessionIds = Array.from({ length: settings.sessions }, () => collector.memorySessions?.create() as string);
		for (const sessionId of sessionIds) bare.sessions.add(sessionId);
		const segmentsBySession = sessionIds.map(() => pickSegmentIds(pool, settings.segmentsPerSession));
		const targets: Target[] = [
			{ name: 'bare', port: bare.port },
			{ name: 'collector', port: (running.server.address() as AddressInfo).port },
			{ name: 'redis', port: (runningWithRedis.server.address() as AddressInfo).port },
		];
		const redisPid = redisServer.pid ?? 0;

		const postRequests: LoadRequest[] = sessionIds.map((sessionId, index) => {
			const body = JSON.stringify(segmentsBySession[index]);
			return {
				method: 'POST',
				path: paths.segments,
				headers: {
					Cookie: `blaize_session=${sessionId}`,
					'Content-Type': 'application/json',
				},
				body,
			};
		});
		// Half the questions name a segment the session is in, half one drawn from the pool.
		const decisionRequests: LoadRequest[] = sessionIds.map((sessionId, index) => {
			const segmentId = index % 2 === 0 ? (segmentsBySession[index]?.[0] as string) : (pool[index % pool.length] as string);
			return {
				method: 'GET',
				path: `${paths.decision}?segment=${encodeURIComponent(segmentId)}`,
				headers: { Cookie: `blaize_session=${sessionId}` },
			};
		});

		const comparisons: Comparison[] = [];
		comparisons.push(await compare(load, targets, redisPid, 'POST /plugins/public/blueconic/segments', postRequests, 204));
		// Every server answers from what the POST runs stored (they cycle through every session).
		comparisons.push(await compare(load, targets, redisPid, 'GET /plugins/public/blueconic/decision?segment=X', decisionRequests, 200));

		console.log(`\nThe collector against the bare server:\n${formatTable(comparisons, 'bare', 'collector')}\n`);
		console.log(
			`The collector with its store in Redis against the in-process store:\n${formatTable(comparisons, 'collector', 'redis')}\n`,
		);
		console.log(`\n${await benchProxy(load, settings)}\n`);
	} finally {
		await load.close();
		await bare.close();
		await running.stop();
		await runningWithRedis.stop();
	}

	console.log(`Memory: filling the segment store with ${settings.memorySessions.toLocaleString('en')} sessions of ${settings.segmentsPerSession} segments (child process)…`);
	const memory = await measureStoreMemoryInChild(settings.memorySessions, settings.segmentsPerSession);
	console.log(
		`  ${Math.round(memory.bytesPerSession)} bytes per session held (heap and typed arrays, after gc): ` +
			`${formatMiB(memory.filledStoreBytes)} for ${memory.sessions.toLocaleString('en')} sessions, ` +
			`of which ${formatMiB(memory.emptyStoreBytes)} is the empty store's preallocated capacity ` +
			`(counted against maxBytes: ${Math.round(memory.countedBytesPerSession)} bytes per session)`,
	);
	const largest = await measureLargestReportsInChild(8 * 1024 * 1024, 1_000);
	console.log(
		`  worst case, reports of 200 unshared ids of 200 characters past Latin-1 into an 8 MiB store: ` +
			`${Math.round(largest.bytesPerSession)} bytes per session held (counted ${Math.round(largest.countedBytesPerSession)}), ` +
			`${largest.sessionsHeld} of ${largest.sessionsWritten} sessions kept in ${formatMiB(largest.heldBytes)}`,
	);

	console.log(`Redis memory: ${settings.redisMemorySessions.toLocaleString('en')} sessions of ${settings.segmentsPerSession} segments…`);
	const redisMemory = await measureRedisStoreMemory(redisServer.url, settings.redisMemorySessions, settings.segmentsPerSession);
	console.log(
		`  ${Math.round(redisMemory.bytesPerSession)} bytes per session (INFO memory used_memory ` +
			`${formatMiB(redisMemory.usedMemoryBefore)} → ${formatMiB(redisMemory.usedMemoryAfter)})`,
	);

	await runQueueBench({ users: readNumber('BENCH_QUEUE_USERS', 20_000), durationMs: settings.durationMs, connections: settings.connections });
}

/** Warms every server up, then rotates which runs first in each round so drift (CPU heat, other load) hits all. */
async function compare(
	load: LoadGenerator,
	targets: Target[],
	redisPid: number,
	endpoint: string,
	requests: LoadRequest[],
	expectedStatus: number,
): Promise<Comparison> {
	console.log(endpoint);
	const job = (port: number, durationMs: number) => ({
		host: '127.0.0.1',
		port,
		requests,
		connections: settings.connections,
		durationMs,
		expectedStatus,
	});
	for (const target of targets) checkErrors(target, await load.run(job(target.port, settings.warmUpMs)));
	const comparison: Comparison = { endpoint, results: { bare: [], collector: [], redis: [] } };
	for (let round = 1; round <= settings.rounds; round++) {
		const order = targets.map((_, index) => targets[(index + round - 1) % targets.length] as Target);
		for (const target of round % 2 === 1 ? order : order.reverse()) {
			const cpuBefore = mainThreadCpuMicros() ?? Number.NaN;
			const redisCpuBefore = processCpuMicros(redisPid) ?? Number.NaN;
			const result = checkErrors(target, await load.run(job(target.port, settings.durationMs)));
			const cpuMicros = (mainThreadCpuMicros() ?? Number.NaN) - cpuBefore;
			const redisCpuMicros = (processCpuMicros(redisPid) ?? Number.NaN) - redisCpuBefore;
			const measured: Measured = {
				...result,
				cpuMicrosPerRequest: cpuMicros / result.requests,
				redisCpuMicrosPerRequest: redisCpuMicros / result.requests,
			};
			comparison.results[target.name].push(measured);
			console.log(
				`  round ${round} ${target.name.padEnd(9)} ${Math.round(result.requestsPerSecond).toString().padStart(7)} req/s` +
					`  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms` +
					`  server CPU ${measured.cpuMicrosPerRequest.toFixed(1)} µs/request` +
					(target.name === 'redis' ? `  redis-server CPU ${measured.redisCpuMicrosPerRequest.toFixed(1)} µs/request` : ''),
			);
		}
	}
	return comparison;
}

function checkErrors(target: Target, result: LoadResult): LoadResult {
	if (result.errors > 0) {
		throw new Error(`${target.name}: ${result.errors} of ${result.requests} requests failed (first: ${result.firstError})`);
	}
	return result;
}

/** Medians of `base` and `other` side by side, with the ratio of their req/s (other ÷ base). */
function formatTable(comparisons: Comparison[], base: TargetName, other: TargetName): string {
	const rows = [
		['endpoint (medians)', `${base} req/s`, `${other} req/s`, 'ratio', `${base} p99 ms`, `${other} p99 ms`, `${base} CPU µs/req`, `${other} CPU µs/req`],
	];
	if (other === 'redis') rows[0]?.push('redis-server CPU µs/req');
	for (const { endpoint, results } of comparisons) {
		const medianOf = (name: TargetName, read: (result: Measured) => number): number => median(results[name].map(read));
		const baseRate = medianOf(base, (result) => result.requestsPerSecond);
		const otherRate = medianOf(other, (result) => result.requestsPerSecond);
		const row = [
			endpoint,
			Math.round(baseRate).toString(),
			Math.round(otherRate).toString(),
			(otherRate / baseRate).toFixed(2),
			medianOf(base, (result) => result.p99Ms).toFixed(2),
			medianOf(other, (result) => result.p99Ms).toFixed(2),
			medianOf(base, (result) => result.cpuMicrosPerRequest).toFixed(1),
			medianOf(other, (result) => result.cpuMicrosPerRequest).toFixed(1),
		];
		if (other === 'redis') row.push(medianOf(other, (result) => result.redisCpuMicrosPerRequest).toFixed(1));
		rows.push(row);
	}
	const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
	return rows
		.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '))
		.join('\n');
}

function formatMiB(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function readNumber(name: string, fallback: number): number {
	const text = process.env[name];
	if (text === undefined || text === '') return fallback;
	const value = Number(text);
	if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, not "${text}"`);
	return value;
}

await main();
