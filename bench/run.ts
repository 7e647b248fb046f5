import type { AddressInfo } from 'node:net';
import { createCollector, createLogger, listen } from '../server/index.js';
import { paths } from '../server/http/paths.js';
import { startBareServer } from './bare-server.js';
import { pickSegmentIds, segmentIdPool } from './fixtures.js';
import { LoadGenerator } from './load.js';
import type { LoadRequest, LoadResult } from './load-job.js';
import { measureStoreMemoryInChild } from './memory.js';
import { runQueueBench } from './queue.js';
import { median } from './stats.js';
import { mainThreadCpuMicros } from './thread-cpu.js';

/**
 * `npm run bench`: the collector's two browser endpoints against a bare node:http server doing the same work,
 * in one process on loopback (servers on the main thread, the load generator in a worker thread), then the
 * memory the in-process segment store holds per session. See docs/bench.md.
 */
const settings = {
	connections: readNumber('BENCH_CONNECTIONS', 32),
	durationMs: readNumber('BENCH_DURATION_MS', 5_000),
	warmUpMs: readNumber('BENCH_WARMUP_MS', 2_000),
	rounds: readNumber('BENCH_ROUNDS', 3),
	sessions: readNumber('BENCH_SESSIONS', 10_000),
	memorySessions: readNumber('BENCH_MEMORY_SESSIONS', 1_000_000),
	segmentsPerSession: 5,
};

interface Target {
	name: 'bare' | 'collector';
	port: number;
}

/** A load result with the server's cost: the CPU time its (main) thread used per request (NaN off Linux). */
interface Measured extends LoadResult {
	cpuMicrosPerRequest: number;
}

interface Comparison {
	endpoint: string;
	bare: Measured[];
	collector: Measured[];
}

async function main(): Promise<void> {
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
	const running = await listen(collector, { port: 0, host: '127.0.0.1' });
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
		];

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
		comparisons.push(await compare(load, targets, 'POST /plugins/public/blueconic/segments', postRequests, 204));
		// Both servers answer from what the POST runs stored (they cycle through every session).
		comparisons.push(await compare(load, targets, 'GET /plugins/public/blueconic/decision?segment=X', decisionRequests, 200));

		console.log(`\n${formatTable(comparisons)}\n`);
	} finally {
		await load.close();
		await bare.close();
		await running.stop();
	}

	console.log(`Memory: filling the segment store with ${settings.memorySessions.toLocaleString('en')} sessions of ${settings.segmentsPerSession} segments (child process)…`);
	const memory = await measureStoreMemoryInChild(settings.memorySessions, settings.segmentsPerSession);
	console.log(
		`  ${Math.round(memory.bytesPerSession)} bytes per session held (heap and typed arrays, after gc): ` +
			`${formatMiB(memory.filledStoreBytes)} for ${memory.sessions.toLocaleString('en')} sessions, ` +
			`of which ${formatMiB(memory.emptyStoreBytes)} is the empty store's preallocated capacity`,
	);

	await runQueueBench({ users: readNumber('BENCH_QUEUE_USERS', 20_000), durationMs: settings.durationMs, connections: settings.connections });
}

/** Warms both servers up, then alternates bare and collector runs so drift (CPU heat, other load) hits both. */
async function compare(
	load: LoadGenerator,
	targets: Target[],
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
	const comparison: Comparison = { endpoint, bare: [], collector: [] };
	for (let round = 1; round <= settings.rounds; round++) {
		for (const target of round % 2 === 1 ? targets : [...targets].reverse()) {
			const cpuBefore = mainThreadCpuMicros() ?? Number.NaN;
			const result = checkErrors(target, await load.run(job(target.port, settings.durationMs)));
			const cpuMicros = (mainThreadCpuMicros() ?? Number.NaN) - cpuBefore;
			const measured: Measured = { ...result, cpuMicrosPerRequest: cpuMicros / result.requests };
			comparison[target.name].push(measured);
			console.log(
				`  round ${round} ${target.name.padEnd(9)} ${Math.round(result.requestsPerSecond).toString().padStart(7)} req/s` +
					`  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms` +
					`  server CPU ${measured.cpuMicrosPerRequest.toFixed(1)} µs/request`,
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

function formatTable(comparisons: Comparison[]): string {
	const rows = [
		['endpoint (medians)', 'bare req/s', 'collector req/s', 'ratio', 'bare p99 ms', 'collector p99 ms', 'bare CPU µs/req', 'collector CPU µs/req'],
	];
	for (const { endpoint, bare, collector } of comparisons) {
		const bareRate = median(bare.map((result) => result.requestsPerSecond));
		const collectorRate = median(collector.map((result) => result.requestsPerSecond));
		rows.push([
			endpoint,
			Math.round(bareRate).toString(),
			Math.round(collectorRate).toString(),
			(collectorRate / bareRate).toFixed(2),
			median(bare.map((result) => result.p99Ms)).toFixed(2),
			median(collector.map((result) => result.p99Ms)).toFixed(2),
			median(bare.map((result) => result.cpuMicrosPerRequest)).toFixed(1),
			median(collector.map((result) => result.cpuMicrosPerRequest)).toFixed(1),
		]);
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
