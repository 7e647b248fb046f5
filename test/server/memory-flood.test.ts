import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largestReport } from '../../bench/memory.js';
import { signSessionCookie } from '../../server/sessions/signed.js';
import { apiKey } from './collector-fixture.js';
import { send } from './http-client.js';

/**
 * The flood that once killed the collector (thousands of valid sessions, each posting 200 distinct ids of 200
 * characters past Latin-1), scaled down: the built command line, in a child process with a 128 MB heap, a store
 * of 8 MiB. Every report is about 110 KB on the heap, so the 2,000 posted here need some 220 MB: without the byte
 * bound the child runs out of heap and dies; with it, it evicts the oldest sessions and stays small.
 */
const cliPath = fileURLToPath(new URL('../../dist/server/cli.js', import.meta.url));
const sessionSecret = 'flood-test-secret-0123456789';
const maxBytes = 8 * 1024 * 1024;
const sessions = 2_000;
const concurrency = 8;
/** The child's peak resident memory may not pass this: Node itself takes some 50 MB, the store 8 MiB. */
const maxPeakRssBytes = 192 * 1024 * 1024;

let child: ChildProcess;
let baseUrl: string;
let stderr = '';

beforeAll(async () => {
	const folder = mkdtempSync(join(tmpdir(), 'bridge-flood-'));
	const configPath = join(folder, 'collector.json');
	writeFileSync(
		configPath,
		JSON.stringify({
			session: { validate: { type: 'signed', secret: 'env:SESSION_SECRET' } },
			sites: '*',
			apiKeys: ['env:BRIDGE_API_KEY'],
			segments: { maxSessions: 10_000, maxBytes },
		}),
	);
	child = spawn(
		process.execPath,
		['--max-old-space-size=128', cliPath, 'serve', '--config', configPath, '--port', '0', '--host', '127.0.0.1'],
		{ env: { ...process.env, SESSION_SECRET: sessionSecret, BRIDGE_API_KEY: apiKey, LOG_LEVEL: 'silent' }, stdio: 'pipe' },
	);
	child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	baseUrl = await new Promise<string>((resolve, reject) => {
		let stdout = '';
		child.stdout?.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
			if (url) resolve(url);
		});
		child.on('exit', (code) => reject(new Error(`the collector exited (${code}) before listening: ${stderr}`)));
	});
}, 60_000);

afterAll(() => {
	child?.kill('SIGKILL');
});

function sessionId(index: number): string {
	return `flood${index}`;
}

function heldSegments(index: number) {
	return send(`${baseUrl}/plugins/blueconic/sessions/${sessionId(index)}/segments`, {
		headers: { authorization: `Bearer ${apiKey}` },
	});
}

/** The child's peak resident set (VmHWM), in bytes. */
function peakRssBytes(pid: number): number {
	const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
	if (kib === undefined) throw new Error('no VmHWM in /proc/PID/status');
	return Number(kib) * 1024;
}

describe('a flood of the largest reports from thousands of valid sessions', () => {
	it('leaves the collector alive and small, having evicted the oldest sessions first', async () => {
		const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
		const expiresAt = new Date(Date.now() + 3_600_000);
		const outcomes = new Map<string, number>();
		let next = 0;
		const postOne = async (): Promise<void> => {
			for (let index = next++; index < sessions; index = next++) {
				const outcome = await send(`${baseUrl}/plugins/public/blueconic/segments`, {
					method: 'POST',
					agent,
					body: JSON.stringify(largestReport(index, 200, 200)),
					headers: {
						'content-type': 'application/json',
						cookie: `blaize_session=${signSessionCookie(sessionId(index), sessionSecret, expiresAt)}`,
					},
				}).then(
					(answer) => String(answer.status),
					() => 'no answer', // the collector died (without the bound: out of heap)
				);
				outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
			}
		};
		try {
			await Promise.all(Array.from({ length: concurrency }, postOne));
		} finally {
			agent.destroy();
		}

		const fatal = /FATAL ERROR[^\n]*/.exec(stderr)?.[0] ?? stderr.slice(-300);
		expect(Object.fromEntries(outcomes), `the collector: ${fatal}`).toEqual({ 204: sessions });
		expect(child.exitCode).toBeNull();
		expect((await send(`${baseUrl}/healthz`)).status).toBe(200);

		const peakRss = peakRssBytes(child.pid as number);
		console.log(`flood: ${sessions} reports of 200 ids × 200 characters; collector peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
		expect(peakRss).toBeLessThan(maxPeakRssBytes);

		const metrics = (await send(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } })).text;
		const sessionsHeld = Number(/^blueconic_bridge_sessions_held (\d+)$/m.exec(metrics)?.[1]);
		const storeBytes = Number(/^blueconic_bridge_store_bytes (\d+)$/m.exec(metrics)?.[1]);
		const evictedForBytes = Number(/^blueconic_bridge_sessions_evicted_total\{reason="bytes"\} (\d+)$/m.exec(metrics)?.[1]);
		expect(storeBytes).toBeLessThanOrEqual(maxBytes);
		// Each report costs ~115 KB as counted: 8 MiB hold dozens of them, far fewer than were posted.
		expect(sessionsHeld).toBeGreaterThanOrEqual(10);
		expect(sessionsHeld).toBeLessThan(sessions / 10);
		expect(evictedForBytes).toBe(sessions - sessionsHeld);

		// Oldest first: the first sessions are gone, the last ones (a few connections' worth of slack, as posts
		// ran side by side) are held, with their whole reports.
		for (const index of [0, 1, 2, 100, 1_000, sessions - sessionsHeld - concurrency]) {
			expect((await heldSegments(index)).status, `session ${index}`).toBe(404);
		}
		for (let index = sessions - 10; index < sessions; index++) {
			const held = await heldSegments(index);
			expect(held.status, `session ${index}`).toBe(200);
			expect((held.json as { segments: string[] }).segments).toEqual(largestReport(index, 200, 200));
		}
	}, 180_000);
});
