import type { LoadGenerator } from './load.js';
import type { LoadRequest, LoadResult } from './load-job.js';
import { median } from './stats.js';
import { mainThreadCpuMicros, processCpuMicros } from './thread-cpu.js';

/** `bare`: the baseline server; `collector`: the collector; `redis`: the collector with its store in Redis. */
export type TargetName = 'bare' | 'collector' | 'redis';

export interface Target {
	name: TargetName;
	port: number;
}

export interface RoundSettings {
	connections: number;
	durationMs: number;
	warmUpMs: number;
	rounds: number;
}

/**
 * A load result with the server's cost: the CPU time its (main) thread used per request, and redis-server's
 * (NaN off Linux).
 */
export interface Measured extends LoadResult {
	cpuMicrosPerRequest: number;
	redisCpuMicrosPerRequest: number;
}

export interface Comparison {
	endpoint: string;
	sessionType: string;
	/** Round by round, in the order the targets were given. */
	results: Partial<Record<TargetName, Measured[]>>;
}

/**
 * Warms every target up, then runs `rounds` rounds, each target once a round in the order given (bare, collector,
 * bare, collector...): drift on the machine (heat, other load) then reaches both sides of each pair.
 */
export async function compare(
	load: LoadGenerator,
	settings: RoundSettings,
	targets: readonly Target[],
	redisPid: number,
	{ endpoint, sessionType, requests, expectedStatus }: { endpoint: string; sessionType: string; requests: LoadRequest[]; expectedStatus: number },
): Promise<Comparison> {
	console.log(`${endpoint}, ${sessionType} sessions`);
	const job = (port: number, durationMs: number) => ({
		host: '127.0.0.1',
		port,
		requests,
		connections: settings.connections,
		durationMs,
		expectedStatus,
	});
	// Every session once first, so that the rounds measure sessions already checked (and cached, where they are).
	for (const target of targets) checkErrors(target, await load.run({ ...job(target.port, 120_000), once: true }));
	for (const target of targets) checkErrors(target, await load.run(job(target.port, settings.warmUpMs)));
	const comparison: Comparison = { endpoint, sessionType, results: {} };
	for (let round = 1; round <= settings.rounds; round++) {
		for (const target of targets) {
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
			(comparison.results[target.name] ??= []).push(measured);
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

/**
 * Medians of `base` and `other` side by side: the ratio of their median req/s (other ÷ base) with the spread of
 * the rounds' own ratios (each round's pair), and the ratio of their CPU per request (base ÷ other), the steadier
 * figure on a shared machine.
 */
export function formatTable(comparisons: readonly Comparison[], base: TargetName, other: TargetName): string {
	const header = [
		'endpoint',
		'sessions',
		`${base} req/s`,
		`${other} req/s`,
		'ratio',
		'spread',
		`${base} p99 ms`,
		`${other} p99 ms`,
		`${base} CPU µs/req`,
		`${other} CPU µs/req`,
		'CPU ratio',
	];
	if (other === 'redis') header.push('redis-server CPU µs/req');
	const rows = [header];
	for (const { endpoint, sessionType, results } of comparisons) {
		const baseResults = results[base];
		const otherResults = results[other];
		if (baseResults === undefined || otherResults === undefined) continue;
		const medianOf = (of: Measured[], read: (result: Measured) => number): number => median(of.map(read));
		const baseRate = medianOf(baseResults, (result) => result.requestsPerSecond);
		const otherRate = medianOf(otherResults, (result) => result.requestsPerSecond);
		const roundRatios = otherResults.map((result, round) => result.requestsPerSecond / (baseResults[round]?.requestsPerSecond ?? Number.NaN));
		const baseCpu = medianOf(baseResults, (result) => result.cpuMicrosPerRequest);
		const otherCpu = medianOf(otherResults, (result) => result.cpuMicrosPerRequest);
		const row = [
			endpoint,
			sessionType,
			Math.round(baseRate).toString(),
			Math.round(otherRate).toString(),
			(otherRate / baseRate).toFixed(2),
			`${Math.min(...roundRatios).toFixed(2)}–${Math.max(...roundRatios).toFixed(2)}`,
			medianOf(baseResults, (result) => result.p99Ms).toFixed(2),
			medianOf(otherResults, (result) => result.p99Ms).toFixed(2),
			baseCpu.toFixed(1),
			otherCpu.toFixed(1),
			(baseCpu / otherCpu).toFixed(2),
		];
		if (other === 'redis') row.push(medianOf(otherResults, (result) => result.redisCpuMicrosPerRequest).toFixed(1));
		rows.push(row);
	}
	const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
	return rows
		.map((row) => row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '))
		.join('\n');
}
