import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createCollector, createLogger, listen } from '../server/index.js';
import { startListening } from '../server/listen.js';
import type { LoadGenerator } from './load.js';
import type { LoadRequest, LoadResult } from './load-job.js';
import { median } from './stats.js';
import { mainThreadCpuMicros } from './thread-cpu.js';

/**
 * The proxy mode's cost: the same 100 KB HTML page asked of the origin directly and through `serve`'s proxy
 * (which injects the script tag), in the same run, alternating. Both servers share the main thread, so a request
 * through the proxy pays for both: its CPU per request minus the origin's is the proxy's own cost.
 */
export interface ProxyBenchSettings {
	connections: number;
	durationMs: number;
	warmUpMs: number;
	rounds: number;
}

interface Scenario {
	name: string;
	connections: number;
	request: LoadRequest;
}

interface Measured extends LoadResult {
	cpuMicrosPerRequest: number;
}

const pageBytes = 100 * 1024;

/** A news-like page: a head of links and scripts, then paragraphs, links and images to about 100 KB. */
export function typicalPage(): string {
	const head =
		'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
		'<title>Today’s front page</title><link rel="stylesheet" href="/assets/site.css">' +
		'<script src="https://cdn.blueconic.example/frontend/static/javascript/blueconic/blueconic.min.js" async></script>' +
		'<script>window.dataLayer = window.dataLayer || [];</script></head><body><header><nav><a href="/">Home</a></nav></header><main>';
	const article =
		'<article class="teaser"><h2><a href="/news/2026/12/01/story">A headline about something that happened</a></h2>' +
		'<img src="/images/story.jpg" alt="" width="640" height="360"><p>Lorem ipsum dolor sit amet, consectetur adipiscing ' +
		'elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud ' +
		'exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.</p></article>\n';
	const tail = '</main><footer>© Publisher</footer></body></html>';
	let body = '';
	while (head.length + body.length + tail.length < pageBytes) body += article;
	return head + body + tail;
}

export async function benchProxy(load: LoadGenerator, settings: ProxyBenchSettings): Promise<string> {
	const html = Buffer.from(typicalPage());
	const gzipped = gzipSync(html);
	const origin = createServer((req, res) => {
		const compressed = req.url === '/gzip';
		const body = compressed ? gzipped : html;
		res.writeHead(200, {
			'Content-Type': 'text/html; charset=utf-8',
			'Content-Length': body.length,
			'Cache-Control': 'public, max-age=60',
			ETag: '"page-v1"',
			...(compressed ? { 'Content-Encoding': 'gzip' } : {}),
		});
		res.end(body);
	});
	// Longer than any pause between rounds: the proxy's pooled connections must not meet the origin closing them
	// (a reused socket the origin just closed answers 502), as a real origin behind a proxy is set up.
	origin.keepAliveTimeout = 60_000;
	const originUrl = await startListening(origin, 0, '127.0.0.1');
	const collector = createCollector(
		{ session: { validate: { type: 'memory' } }, sites: '*', proxy: { origin: originUrl } },
		{ logger: createLogger('silent') },
	);
	const proxy = await listen(collector, { port: 0, host: '127.0.0.1' });
	const targets = [
		{ name: 'origin', port: (origin.address() as AddressInfo).port },
		{ name: 'proxy', port: (proxy.server.address() as AddressInfo).port },
	] as const;
	try {
		await checkInjected(proxy.url);
		const plainPage: LoadRequest = { method: 'GET', path: '/page', headers: {} };
		const scenarios: Scenario[] = [
			{ name: '100 KB page, 1 connection', connections: 1, request: plainPage },
			{ name: `100 KB page, ${settings.connections} connections`, connections: settings.connections, request: plainPage },
			{
				name: `100 KB page gzipped, ${settings.connections} connections`,
				connections: settings.connections,
				request: { method: 'GET', path: '/gzip', headers: { 'Accept-Encoding': 'gzip' } },
			},
		];
		const rows: string[][] = [
			[
				'GET (medians of rounds)',
				'origin req/s',
				'proxy req/s',
				'origin p50/p99 ms',
				'proxy p50/p99 ms',
				'added p50 ms',
				'origin CPU µs/req',
				'proxy+origin CPU µs/req',
			],
		];
		for (const scenario of scenarios) {
			console.log(`Proxy: ${scenario.name}`);
			const results: Record<'origin' | 'proxy', Measured[]> = { origin: [], proxy: [] };
			const job = (port: number, durationMs: number) => ({
				host: '127.0.0.1',
				port,
				requests: [scenario.request],
				connections: scenario.connections,
				durationMs,
				expectedStatus: 200,
			});
			for (const target of targets) checkErrors(target.name, await load.run(job(target.port, settings.warmUpMs)));
			for (let round = 1; round <= settings.rounds; round++) {
				for (const target of round % 2 === 1 ? targets : [...targets].reverse()) {
					const cpuBefore = mainThreadCpuMicros() ?? Number.NaN;
					const result = checkErrors(target.name, await load.run(job(target.port, settings.durationMs)));
					const measured = { ...result, cpuMicrosPerRequest: ((mainThreadCpuMicros() ?? Number.NaN) - cpuBefore) / result.requests };
					results[target.name].push(measured);
					console.log(
						`  round ${round} ${target.name.padEnd(6)} ${Math.round(result.requestsPerSecond).toString().padStart(6)} req/s` +
							`  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms` +
							`  server CPU ${measured.cpuMicrosPerRequest.toFixed(0)} µs/request`,
					);
				}
			}
			const of = (name: 'origin' | 'proxy', pick: (result: Measured) => number) => median(results[name].map(pick));
			rows.push([
				scenario.name,
				Math.round(of('origin', (result) => result.requestsPerSecond)).toString(),
				Math.round(of('proxy', (result) => result.requestsPerSecond)).toString(),
				`${of('origin', (result) => result.p50Ms).toFixed(2)} / ${of('origin', (result) => result.p99Ms).toFixed(2)}`,
				`${of('proxy', (result) => result.p50Ms).toFixed(2)} / ${of('proxy', (result) => result.p99Ms).toFixed(2)}`,
				(of('proxy', (result) => result.p50Ms) - of('origin', (result) => result.p50Ms)).toFixed(2),
				of('origin', (result) => result.cpuMicrosPerRequest).toFixed(0),
				of('proxy', (result) => result.cpuMicrosPerRequest).toFixed(0),
			]);
		}
		return formatRows(rows);
	} finally {
		await proxy.stop();
		await new Promise((resolve) => origin.close(resolve));
	}
}

/** The run measures nothing if the proxy does not inject: check one answer first. */
async function checkInjected(proxyUrl: string): Promise<void> {
	const text = await (await fetch(`${proxyUrl}/page`)).text();
	if (!text.includes('<script async src="/plugins/public/blueconic/sdk.js"')) throw new Error('the proxy did not inject the tag');
}

function checkErrors(name: string, result: LoadResult): LoadResult {
	if (result.errors > 0) throw new Error(`${name}: ${result.errors} of ${result.requests} requests failed (first: ${result.firstError})`);
	return result;
}

function formatRows(rows: string[][]): string {
	const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
	return rows
		.map((row) =>
			row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '),
		)
		.join('\n');
}
