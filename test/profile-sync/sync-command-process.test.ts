import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSyncCommand } from '../../server/commands/sync.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { readDoneLines, syncConfigFile, syncEnv } from './helpers.js';

const cli = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
// Run from the repository root so `--import tsx` finds tsx in node_modules.
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const userCount = 5_000;

describe('blueconic-bridge sync in its own process', () => {
	let fake: FakeBlueConic;
	let directory: string;
	let child: ChildProcess | undefined;

	beforeEach(async () => {
		fake = await startFakeBlueConic();
		directory = await mkdtemp(join(tmpdir(), 'bc-sync-process-'));
		await writeFile(join(directory, 'config.json'), syncConfigFile(fake));
		const lines = Array.from({ length: userCount }, (_, index) => JSON.stringify({ email: `user${index}@example.com` }));
		await writeFile(join(directory, 'users.ndjson'), `${lines.join('\n')}\n`);
	});
	afterEach(async () => {
		child?.kill('SIGKILL');
		await fake.close();
		await rm(directory, { recursive: true, force: true });
	});

	function start(signalAfterRequests: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
		// Slow BlueConic so the process is mid-run, with requests in flight, when the signal arrives (once: a
		// second Ctrl-C is meant to end the process at once).
		let signalled = false;
		fake.inject({
			kind: 'delay',
			delayMs: 40,
			times: Infinity,
			when: () => {
				if (!signalled && fake.acceptedEntries.length >= signalAfterRequests * 100) signalled = child?.kill(signal) ?? false;
				return true;
			},
		});
		const file = (name: string) => join(directory, name);
		const args = ['--config', file('config.json'), '--input', file('users.ndjson'), '--state', file('state.json'), '--batch-size', '100'];
		child = spawn(process.execPath, ['--import', 'tsx', cli, 'sync', ...args], {
			cwd: repositoryRoot,
			env: { ...process.env, ...syncEnv },
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		let stderr = '';
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		return new Promise((resolve) => child?.on('exit', (code, exitSignal) => resolve({ code, signal: exitSignal, stderr })));
	}

	async function resumeAndCheck(): Promise<void> {
		const doneLines = await readDoneLines(join(directory, 'state.json'));
		const doneEmails = new Set(
			Array.from({ length: userCount }, (_, index) => index + 1)
				.filter((line) => doneLines.has(line))
				.map((line) => `user${line - 1}@example.com`),
		);
		expect(doneEmails.size).toBeGreaterThan(0);
		expect(doneEmails.size).toBeLessThan(userCount);
		const entriesBefore = fake.acceptedEntries.length;
		const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: { ...syncEnv } };
		const args = ['--config', join(directory, 'config.json'), '--input', join(directory, 'users.ndjson'), '--state', join(directory, 'state.json')];
		expect(await runSyncCommand(args, io)).toBe(0);
		const resent = fake.acceptedEntries.slice(entriesBefore).map((entry) => entry.email ?? '');
		expect(resent.filter((email) => doneEmails.has(email))).toEqual([]);
		expect(fake.profiles.size).toBe(userCount);
	}

	it('stops on Ctrl-C (SIGINT) with exit code 130 and resumes where it stopped', async () => {
		const exit = await start(10, 'SIGINT');
		expect(exit.code, exit.stderr).toBe(130);
		expect(exit.stderr).toContain('interrupted; run the same command again to resume');
		await resumeAndCheck();
	});

	it('resumes after being killed outright, from the last checkpoint written', async () => {
		const exit = await start(10, 'SIGKILL');
		expect(exit.signal).toBe('SIGKILL');
		await resumeAndCheck();
	});
});
