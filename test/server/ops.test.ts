import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readiness } from '../../server/readiness.js';
import { apiKey, askDecision, reportSegments, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { errorCode, send } from './http-client.js';

const folder = mkdtempSync(join(tmpdir(), 'bridge-ops-'));
const scriptPath = join(folder, 'sdk.js');
writeFileSync(scriptPath, '(()=>{window.BlueConicBridgeTest=1})();');

let running: StartedCollector;

beforeAll(async () => {
	running = await startCollector(testConfig(), { sdkScriptPath: scriptPath });
});
afterAll(() => running.stop());

describe('GET /plugins/public/blueconic/sdk.js', () => {
	it('serves the script-tag build with caching headers', async () => {
		const response = await send(`${running.url}/plugins/public/blueconic/sdk.js`);
		expect(response.status).toBe(200);
		expect(response.text).toBe('(()=>{window.BlueConicBridgeTest=1})();');
		expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
		expect(response.headers['cache-control']).toContain('max-age=300');
		expect(response.headers.etag).toMatch(/^"[\w-]{27}"$/);
	});

	it('answers 304 when the ETag matches', async () => {
		const first = await send(`${running.url}/plugins/public/blueconic/sdk.js`);
		const again = await send(`${running.url}/plugins/public/blueconic/sdk.js`, {
			headers: { 'if-none-match': String(first.headers.etag) },
		});
		expect(again.status).toBe(304);
		expect(again.text).toBe('');
	});

	it('answers a JSON 404 when the SDK was not built', async () => {
		const server = await startCollector(testConfig(), { sdkScriptPath: join(folder, 'missing.js') });
		try {
			const response = await send(`${server.url}/plugins/public/blueconic/sdk.js`);
			expect(response.status).toBe(404);
			expect(errorCode(response)).toBe('sdk_not_built');
		} finally {
			await server.stop();
		}
	});
});

describe('GET /plugins/public/blueconic/sdk.js, compressed', () => {
	// Big enough for compression to pay, like the real build (a few KB of minified code).
	const script = Buffer.from(
		Array.from({ length: 60 }, (_, i) => `function f${i}(a,b){return a.segments.filter(s=>s!==b+${i}).map(String)}`).join(';'),
	);
	const path = join(folder, 'sdk-large.js');
	writeFileSync(path, script);
	let server: StartedCollector;
	beforeAll(async () => {
		server = await startCollector(testConfig(), { sdkScriptPath: path });
	});
	afterAll(() => server.stop());

	/** The script as the wire carries it: raw bytes, with no decoding by the client. */
	function fetchRaw(headers: Record<string, string>) {
		return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
			const req = httpRequest(`${server.url}/plugins/public/blueconic/sdk.js`, { headers, agent: false }, (res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
			});
			req.on('error', reject);
			req.end();
		});
	}

	it.each([
		['gzip', 'gzip', gunzipSync],
		['br', 'br', brotliDecompressSync],
		['gzip, deflate, br, zstd', 'br', brotliDecompressSync],
		['br;q=0.5, gzip', 'gzip', gunzipSync],
		['*', 'br', brotliDecompressSync],
	] as const)('answers Accept-Encoding "%s" in %s, with its own length and ETag', async (acceptEncoding, coding, decode) => {
		const answer = await fetchRaw({ 'accept-encoding': acceptEncoding });
		expect(answer.status).toBe(200);
		expect(answer.headers['content-encoding']).toBe(coding);
		expect(answer.headers.vary).toContain('Accept-Encoding');
		expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
		expect(answer.body.length).toBeLessThan(script.length);
		expect(decode(answer.body).equals(script)).toBe(true);
		expect(answer.headers.etag).toMatch(/^"[\w-]{27}"$/);
	});

	it('sends gzip level 9 bytes, as the README measures them', async () => {
		const answer = await fetchRaw({ 'accept-encoding': 'gzip' });
		expect(answer.body.length).toBe(gzipSync(script, { level: 9 }).length);
	});

	it.each([[undefined], ['identity'], ['gzip;q=0, br;q=0'], ['deflate']])('answers Accept-Encoding %s uncompressed', async (acceptEncoding) => {
		const answer = await fetchRaw(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding });
		expect(answer.headers['content-encoding']).toBeUndefined();
		expect(answer.headers.vary).toContain('Accept-Encoding');
		expect(answer.body.equals(script)).toBe(true);
		expect(Number(answer.headers['content-length'])).toBe(script.length);
	});

	it('gives each encoding its own ETag, and answers 304 to the ETag of the encoding asked for', async () => {
		const etags = new Set<string>();
		for (const acceptEncoding of ['br', 'gzip', 'identity']) {
			const first = await fetchRaw({ 'accept-encoding': acceptEncoding });
			etags.add(String(first.headers.etag));
			const again = await fetchRaw({ 'accept-encoding': acceptEncoding, 'if-none-match': String(first.headers.etag) });
			expect(again.status).toBe(304);
			expect(again.body.length).toBe(0);
			expect(again.headers.vary).toContain('Accept-Encoding');
		}
		expect(etags.size).toBe(3);
		// A gzip ETag does not validate the brotli bytes.
		const gzipEtag = String((await fetchRaw({ 'accept-encoding': 'gzip' })).headers.etag);
		expect((await fetchRaw({ 'accept-encoding': 'br', 'if-none-match': gzipEtag })).status).toBe(200);
	});
});

describe('operations endpoints', () => {
	it('answers /healthz with 200', async () => {
		const response = await send(`${running.url}/healthz`);
		expect(response.status).toBe(200);
		expect(response.json).toEqual({ status: 'ok' });
	});

	it('serves Prometheus metrics behind the API key', async () => {
		await send(`${running.url}/healthz`);
		expect((await send(`${running.url}/metrics`)).status).toBe(401);
		const response = await send(`${running.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toContain('text/plain');
		expect(response.text).toContain('blueconic_bridge_http_requests_total{route="/healthz",method="GET",status="200"}');
		expect(response.text).toContain('blueconic_bridge_http_request_duration_seconds_bucket');
		expect(response.text).toMatch(/blueconic_bridge_sessions_held \d+/);
		expect(response.text).toContain('blueconic_bridge_session_upstream_checks_total');
		expect(response.text).toMatch(/^blueconic_bridge_ready 1$/m);
		expect(response.text).toContain('blueconic_bridge_store_errors_total');
		expect(response.text).toMatch(/blueconic_bridge_connections [1-9]/);
		expect(response.text).toContain('blueconic_bridge_connections_refused_total 0');
	});

	it('counts sessions held', async () => {
		const sessionId = running.collector.memorySessions!.create();
		await reportSegments(running.url, sessionId, ['a']);
		const response = await send(`${running.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
		expect(response.text).toMatch(/blueconic_bridge_sessions_held [1-9]/);
	});

	it('counts decisions by result, browser lookups and backend decide nodes alike', async () => {
		const sessionId = running.collector.memorySessions!.create();
		await reportSegments(running.url, sessionId, ['in']);
		const decisionsOf = async (result: string) => {
			const response = await send(`${running.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
			return Number(new RegExp(`^blueconic_bridge_decisions_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(response.text)?.[1] ?? 0);
		};
		const before = { yes: await decisionsOf('yes'), no: await decisionsOf('no') };
		expect((await askDecision(running.url, sessionId, 'segment=in')).json).toMatchObject({ result: 'yes' });
		const decide = await send(`${running.url}/plugins/blueconic/decide`, {
			method: 'POST',
			headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({ session: sessionId, nodes: [{ type: 'manual', segment: 'out' }, { type: 'manual', segment: 'in' }] }),
		});
		expect(decide.status).toBe(200);
		expect(await decisionsOf('yes')).toBe(before.yes + 2);
		expect(await decisionsOf('no')).toBe(before.no + 1);
	});

	it('answers unknown paths with a JSON 404', async () => {
		const response = await send(`${running.url}/nothing-here`);
		expect(response.status).toBe(404);
		expect(errorCode(response)).toBe('not_found');
	});

	it('answers a method a path does not take with a JSON 405 and an Allow header', async () => {
		const response = await send(`${running.url}/healthz`, { method: 'POST' });
		expect(response.status).toBe(405);
		expect(response.headers.allow).toContain('GET');
		expect(errorCode(response)).toBe('method_not_allowed');
	});

	it('answers a malformed URL with a JSON 400, not a crash', async () => {
		const response = await send(`${running.url}/plugins/blueconic/sessions/%E0%A4%A/segments`, {
			headers: { authorization: `Bearer ${apiKey}` },
		});
		expect(response.status).toBeGreaterThanOrEqual(400);
		expect(response.status).toBeLessThan(500);
		expect(errorCode(response)).toBeDefined();
	});

	it('answers /readyz with 200 and its checks (none with the in-process store)', async () => {
		const response = await send(`${running.url}/readyz`);
		expect(response.status).toBe(200);
		expect(response.json).toEqual({ status: 'ready', checks: {} });
		expect(response.headers['cache-control']).toBe('no-store');
	});

	// Before /readyz, /healthz answered 503 while draining; liveness now stays 200 and readiness says "drain me".
	it('answers /readyz with 503 once draining, while /healthz stays 200', async () => {
		const server = await startCollector(testConfig(), { sdkScriptPath: scriptPath });
		try {
			server.collector.startDraining();
			const response = await send(`${server.url}/readyz`);
			expect(response.status).toBe(503);
			expect(errorCode(response)).toBe('shutting_down');
			expect((await send(`${server.url}/healthz`)).status).toBe(200);
		} finally {
			await server.stop();
		}
	});

	it('answers /readyz with 503 naming the checks that fail, and shows it in the ready metric', async () => {
		const server = await startCollector(testConfig(), { sdkScriptPath: scriptPath });
		try {
			let queueUp = true;
			server.collector.readiness.add('queue', () => queueUp);
			server.collector.readiness.add('hung', () => new Promise<boolean>((resolve) => setTimeout(resolve, 10_000, true).unref()));
			const readiness = await send(`${server.url}/readyz`);
			expect(readiness.status).toBe(503);
			expect(readiness.json).toEqual({
				error: { code: 'not_ready', message: 'this collector cannot serve: hung failing' },
				checks: { queue: 'ok', hung: 'failing' },
			});
			queueUp = false;
			expect((await send(`${server.url}/readyz`)).json).toMatchObject({ checks: { queue: 'failing', hung: 'failing' } });
			const metrics = await send(`${server.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
			expect(metrics.text).toMatch(/^blueconic_bridge_ready 0$/m);
			expect((await send(`${server.url}/healthz`)).status).toBe(200);
		} finally {
			await server.stop();
		}
	});

	it('refuses a readiness check without a snake_case name, or added twice', () => {
		const readiness = new Readiness();
		expect(() => readiness.add('Queue up', () => true)).toThrow(/snake_case/);
		readiness.add('twice', () => true);
		expect(() => readiness.add('twice', () => true)).toThrow(/already added/);
	});
});
