import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSyncCommand } from '../../server/commands/sync.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { profileWrites, readDoneLines, syncConfigFile, syncEnv } from './helpers.js';

interface CapturedIo {
	stdout: { write(text: string): boolean; isTTY?: boolean; text: string };
	stderr: { write(text: string): boolean; isTTY?: boolean; text: string };
	env: NodeJS.ProcessEnv;
}

function captureIo(stderrIsTty = false): CapturedIo {
	const stream = (isTTY: boolean) => {
		const captured = {
			text: '',
			isTTY,
			write(text: string) {
				captured.text += text;
				return true;
			},
		};
		return captured;
	};
	return { stdout: stream(false), stderr: stream(stderrIsTty), env: { ...syncEnv } };
}

/**
 * `count` users (alternating plain and Zephr forms, each email once) with a problem every `problemEvery` users: an
 * extra bad line, an ignored event, or a user whose attribute does not fit; returns what to expect.
 */
function buildInput(count: number, problemEvery = 0) {
	const lines: string[] = [];
	const emailByLine = new Map<number, string>();
	const expectedRejects = new Map<number, string>();
	const problems = [
		{ text: '{oops', reason: 'invalid_json' },
		{ text: JSON.stringify({ attributes: { age: 3 } }), reason: 'missing_email' },
		{ text: JSON.stringify([1, 2]), reason: 'malformed' },
		{ text: 'the user line itself, with an age that is not a number', reason: 'invalid_attributes' },
		{ text: JSON.stringify({ type: 'DELETE_USER', details: { user_id: 'gone' } }), reason: '' }, // ignored, not a reject
	];
	let problemIndex = 0;
	for (let index = 0; index < count; index++) {
		const email = `user${index}@example.com`;
		const user =
			index % 2 === 0
				? { email, trackingId: `t${index}`, attributes: { age: index % 90, 'first-name': `Name${index}` } }
				: { type: 'UPDATE_USER', details: { user_id: `u${index}`, identifiers: { email_address: email }, attributes: { age: index % 90 } } };
		lines.push(JSON.stringify(user));
		emailByLine.set(lines.length, email);
		if (problemEvery > 0 && (index + 1) % problemEvery === 0) {
			const problem = problems[problemIndex++ % problems.length]!;
			if (problem.reason === 'invalid_attributes') {
				// Still one of the users: sent without the attribute, and listed in the rejects file.
				lines[lines.length - 1] = JSON.stringify({ email, attributes: { age: 'old' } });
			} else {
				lines.push(problem.text);
			}
			if (problem.reason) expectedRejects.set(lines.length, problem.reason);
		}
	}
	return { text: `${lines.join('\n')}\n`, emailByLine, expectedRejects, lineCount: lines.length };
}

describe('blueconic-bridge sync (backfill command)', () => {
	let fake: FakeBlueConic;
	let directory: string;
	const paths = () => ({
		config: join(directory, 'config.json'),
		input: join(directory, 'users.ndjson'),
		rejects: join(directory, 'rejects.ndjson'),
		state: join(directory, 'state.json'),
	});

	beforeEach(async () => {
		fake = await startFakeBlueConic();
		directory = await mkdtemp(join(tmpdir(), 'bc-sync-'));
		await writeFile(paths().config, syncConfigFile(fake));
	});
	afterEach(async () => {
		await fake.close();
		await rm(directory, { recursive: true, force: true });
	});

	const argv = (...extra: string[]) => ['--config', paths().config, '--input', paths().input, ...extra];

	it('backfills 20,000 users, interrupted mid-way and resumed, without re-sending anything checkpointed', async () => {
		const input = buildInput(20_000, 700);
		await writeFile(paths().input, input.text);
		const interruption = new AbortController();
		// Slow BlueConic a little and pull the plug when the 9th request arrives, with others in flight.
		fake.inject({
			kind: 'delay',
			delayMs: 20,
			times: Infinity,
			when: () => {
				if (profileWrites(fake).length >= 9) interruption.abort();
				return true;
			},
		});
		const first = captureIo();
		const firstExit = await runSyncCommand(argv('--rejects', paths().rejects, '--state', paths().state), first, { signal: interruption.signal });
		expect(firstExit).toBe(130);
		expect(first.stderr.text).toContain('interrupted; run the same command again to resume');

		const checkpointed = await readDoneLines(paths().state);
		const checkpointedEmails = new Set([...input.emailByLine].filter(([line]) => checkpointed.has(line)).map(([, email]) => email));
		expect(checkpointedEmails.size).toBeGreaterThan(0);
		expect(checkpointedEmails.size).toBeLessThan(20_000);
		for (const email of checkpointedEmails) expect(fake.profiles.has(email)).toBe(true);
		const entriesBeforeResume = fake.acceptedEntries.length;

		const second = captureIo();
		const secondExit = await runSyncCommand(argv('--rejects', paths().rejects, '--state', paths().state), second);
		expect(secondExit, second.stderr.text).toBe(0);
		const lineCount = input.lineCount.toLocaleString('en-US');
		expect(second.stdout.text).toMatch(new RegExp(`^completed: ${lineCount} of ${lineCount} lines done, [\\d,]+ done by earlier runs;`));

		const resent = fake.acceptedEntries.slice(entriesBeforeResume).map((entry) => entry.email);
		expect(resent.filter((email) => email !== undefined && checkpointedEmails.has(email))).toEqual([]);
		expect(new Set(resent).size).toBe(resent.length);
		expect(fake.profiles.size).toBe(20_000);
		expect(fake.profiles.get('user19999@example.com')?.properties).toEqual({ email: ['user19999@example.com'], age: ['19'] });
		expect((await readDoneLines(paths().state)).toJSON()).toEqual([[1, input.lineCount + 1]]);

		const rejects = (await readFile(paths().rejects, 'utf8'))
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as { line: number; reason: string });
		expect(new Map(rejects.map((reject) => [reject.line, reject.reason]))).toEqual(input.expectedRejects);
		expect(rejects).toHaveLength(input.expectedRejects.size);
	});

	it('checkpoints batches that finish out of order, so a resume sends only the unfinished one', async () => {
		const input = buildInput(30);
		await writeFile(paths().input, input.text);
		const interruption = new AbortController();
		const holdsFirstLine = (body: unknown) => Array.isArray(body) && JSON.stringify(body).includes('"user0@example.com"');
		// Held far longer than any wait below, and not timed out meanwhile: the interruption is what ends it.
		await writeFile(paths().config, syncConfigFile(fake, {}, 60_000));
		fake.inject({ kind: 'delay', delayMs: 60_000, when: (request) => holdsFirstLine(request.body) });
		const running = runSyncCommand(argv('--state', paths().state, '--batch-size', '10', '--concurrency', '3'), captureIo(), { signal: interruption.signal });
		await expect.poll(() => fake.acceptedEntries.length, { timeout: 15_000, interval: 5 }).toBe(20);
		await expect
			.poll(async () => ((await readDoneLines(paths().state).catch(() => undefined))?.size ?? 0) > 0 && fake.stats.inFlight === 1, {
				timeout: 15_000,
				interval: 5,
			})
			.toBe(true);
		interruption.abort();
		expect(await running).toBe(130);
		expect((await readDoneLines(paths().state)).toJSON()).toEqual([[11, 31]]);

		const entriesBeforeResume = fake.acceptedEntries.length;
		expect(await runSyncCommand(argv('--state', paths().state, '--batch-size', '10'), captureIo())).toBe(0);
		expect(fake.acceptedEntries.slice(entriesBeforeResume).map((entry) => entry.email)).toEqual(
			Array.from({ length: 10 }, (_, index) => `user${index}@example.com`),
		);
		expect(fake.profiles.size).toBe(30);
	});

	it('keeps at most --concurrency requests in flight', async () => {
		await writeFile(paths().input, buildInput(100).text);
		fake.inject({ kind: 'delay', delayMs: 30, times: Infinity });
		expect(await runSyncCommand(argv('--batch-size', '5', '--concurrency', '3'), captureIo())).toBe(0);
		expect(profileWrites(fake)).toHaveLength(20);
		expect(fake.stats.maxInFlight).toBe(3);
	});

	it('measures the backfill rate against the fake', async () => {
		await writeFile(paths().input, buildInput(20_000).text);
		const io = captureIo();
		const started = performance.now();
		expect(await runSyncCommand(argv(), io)).toBe(0);
		const seconds = (performance.now() - started) / 1000;
		const rate = Math.round(20_000 / seconds);
		console.log(`backfill rate against the fake BlueConic: ${rate.toLocaleString('en-US')} profiles/s (20,000 in ${seconds.toFixed(2)} s)`);
		expect(io.stdout.text).toMatch(/20,000 profiles accepted \(CREATED 20,000\).* [\d,]+ profiles\/s/);
		expect(fake.profiles.size).toBe(20_000);
	});

	it('says a run already finished does nothing more', async () => {
		await writeFile(paths().input, buildInput(10).text);
		expect(await runSyncCommand(argv('--state', paths().state), captureIo())).toBe(0);
		const requestsAfterFirstRun = fake.requests.length;
		const io = captureIo();
		expect(await runSyncCommand(argv('--state', paths().state), io)).toBe(0);
		expect(fake.requests.length).toBe(requestsAfterFirstRun);
		expect(io.stdout.text).toMatch(/^completed: 10 of 10 lines done, 10 done by earlier runs; 0 profiles accepted/);
	});

	it('exits 3 with a one-line message, and no secret, when BlueConic refuses the credentials', async () => {
		await writeFile(paths().input, buildInput(10).text);
		const io = captureIo();
		io.env.BC_SECRET = 'wrong-secret-value';
		expect(await runSyncCommand(argv('--state', paths().state), io)).toBe(3);
		expect(io.stderr.text).toMatch(/^sync failed: BlueConic refused our client credentials \(invalid_client\).*\n$/m);
		expect(io.stdout.text + io.stderr.text).not.toContain('wrong-secret-value');
	});

	it('exits 1 when BlueConic stays unavailable, keeping what was done for a resume', async () => {
		await writeFile(paths().input, buildInput(30).text);
		fake.inject({ kind: 'status', status: 503, times: Infinity, when: (request) => JSON.stringify(request.body).includes('"user25@example.com"') });
		const io = captureIo();
		const exit = await runSyncCommand(argv('--state', paths().state, '--batch-size', '10', '--concurrency', '1'), io);
		expect(exit).toBe(1);
		expect(io.stderr.text).toContain('sync failed: BlueConic answered 503 to a profiles request (gave up after 4 attempts)');
		expect((await readDoneLines(paths().state)).toJSON()).toEqual([[1, 21]]);
	});

	it('exits 2 with a clear message for bad arguments, configuration or input', async () => {
		await writeFile(paths().input, buildInput(1).text);
		const cases: [string[], RegExp][] = [
			[['--input', paths().input], /^--config is required\n/],
			[argv('--concurrency', '0'), /^--concurrency must be a whole number from 1 to 32\n/],
			[['--config', paths().config, '--input', join(directory, 'missing.ndjson')], /^cannot read the input .*missing\.ndjson \(ENOENT\)\n$/],
			[['--config', join(directory, 'nope.json'), '--input', paths().input], /^invalid configuration: .*nope\.json: cannot be read/],
		];
		for (const [args, message] of cases) {
			const io = captureIo();
			expect(await runSyncCommand(args, io), args.join(' ')).toBe(2);
			expect(io.stderr.text).toMatch(message);
		}
		const io = captureIo();
		delete io.env.BC_SECRET;
		expect(await runSyncCommand(argv(), io)).toBe(2);
		expect(io.stderr.text).toBe('invalid configuration: blueconic.clientSecret: environment variable BC_SECRET is not set\n');
		expect(fake.requests).toHaveLength(0);
	});

	it('runs on a configuration holding only blueconic and profileMapping, or with collector sections it does not use', async () => {
		await writeFile(paths().input, buildInput(3).text);
		const { blueconic, profileMapping } = JSON.parse(syncConfigFile(fake)) as Record<string, unknown>;
		await writeFile(paths().config, JSON.stringify({ blueconic, profileMapping }));
		const io = captureIo();
		expect(await runSyncCommand(argv(), io), io.stderr.text).toBe(0);
		// The collector's API keys and session check come from variables this shell does not set: sync does not care.
		await writeFile(paths().config, JSON.stringify({ session: { validate: { type: 'http', url: 'env:NOT_SET' } }, apiKeys: ['env:NOT_SET'], blueconic, profileMapping }));
		expect(await runSyncCommand(argv('--restart'), captureIo())).toBe(0);
		expect(fake.acceptedEntries).toHaveLength(6);
		await writeFile(paths().config, JSON.stringify({ profileMapping }));
		const missing = captureIo();
		expect(await runSyncCommand(argv(), missing)).toBe(2);
		expect(missing.stderr.text).toBe('invalid configuration: blueconic: is required to sync profiles\n');
		expect(fake.profiles.size).toBe(3);
	});

	it('refuses a state file written for another input', async () => {
		await writeFile(paths().input, buildInput(5).text);
		expect(await runSyncCommand(argv('--state', paths().state), captureIo())).toBe(0);
		await writeFile(paths().input, buildInput(6).text.replace('user0@', 'other@'));
		const io = captureIo();
		expect(await runSyncCommand(argv('--state', paths().state), io)).toBe(2);
		expect(io.stderr.text).toContain('belongs to another input file; use --restart to start over, or another --state');
		expect(await runSyncCommand(argv('--state', paths().state, '--restart'), captureIo())).toBe(0);
		expect(fake.profiles.has('other@example.com')).toBe(true);
	});

	it('resumes by default from a state file beside the input, which --state moves and --restart ignores', async () => {
		await writeFile(paths().input, buildInput(30).text);
		const interruption = new AbortController();
		// Interrupted while the third batch is at BlueConic: two batches of ten are done and checkpointed.
		fake.inject({
			kind: 'delay',
			delayMs: 60_000,
			when: () => {
				if (profileWrites(fake).length === 3) interruption.abort();
				return profileWrites(fake).length === 3;
			},
		});
		const sameArguments = argv('--batch-size', '10', '--concurrency', '1');
		const first = captureIo();
		expect(await runSyncCommand(sameArguments, first, { signal: interruption.signal })).toBe(130);
		const defaultState = `${paths().input}.sync-state.json`;
		expect(first.stderr.text).toMatch(new RegExp(`^progress is saved in ${defaultState.replaceAll('.', '\\.')}\n`));
		expect(first.stderr.text).toContain(`interrupted; run the same command again to resume (progress is in ${defaultState})`);
		expect((await readDoneLines(defaultState)).toJSON()).toEqual([[1, 21]]);

		const entriesBefore = fake.acceptedEntries.length;
		const second = captureIo();
		expect(await runSyncCommand(sameArguments, second)).toBe(0);
		expect(second.stderr.text).toContain(`progress is saved in ${defaultState}; resuming: 20 of 30 lines were done by earlier runs`);
		expect(fake.acceptedEntries.slice(entriesBefore).map((entry) => entry.email)).toEqual(
			Array.from({ length: 10 }, (_, index) => `user${20 + index}@example.com`),
		);
		expect(second.stdout.text).toMatch(/^completed: 30 of 30 lines done, 20 done by earlier runs; 10 profiles accepted \(CREATED 10\)/);

		const restarted = captureIo();
		expect(await runSyncCommand([...sameArguments, '--restart'], restarted)).toBe(0);
		expect(restarted.stderr.text).toMatch(/^progress is saved in .*users\.ndjson\.sync-state\.json\n/);
		expect(restarted.stdout.text).toMatch(/^completed: 30 of 30 lines done; 30 profiles accepted \(UNCHANGED 30\)/);
		const moved = captureIo();
		expect(await runSyncCommand([...sameArguments, '--state', paths().state], moved)).toBe(0);
		expect(moved.stderr.text).toMatch(/^progress is saved in .*state\.json\n/);
		expect((await readDoneLines(paths().state)).toJSON()).toEqual([[1, 31]]);
		expect(fake.acceptedEntries.length - entriesBefore).toBe(10 + 30 + 30);
	});

	it('tells a run started with --restart to be resumed without it', async () => {
		await writeFile(paths().input, buildInput(10).text);
		fake.inject({ kind: 'status', status: 503, times: Infinity });
		const io = captureIo();
		expect(await runSyncCommand(argv('--restart'), io)).toBe(1);
		expect(io.stderr.text).toContain('; run it again without --restart to resume (progress is in ');
	});

	it('refuses to start, sending nothing, when the state file cannot be written', async () => {
		await writeFile(paths().input, buildInput(3).text);
		const io = captureIo();
		expect(await runSyncCommand(argv('--state', join(directory, 'no-such-directory', 'state.json')), io)).toBe(2);
		expect(io.stderr.text).toMatch(/^cannot write the state file .*no-such-directory\/state\.json \(ENOENT\); --state puts it elsewhere\n$/);
		expect(fake.requests).toHaveLength(0);
	});

	it('counts each line once in the summary: accepted (some without an attribute), rejected or ignored', async () => {
		await writeFile(paths().config, syncConfigFile(fake, { profileSync: { objectiveIds: ['news'] } }));
		for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) fake.setConsentedObjectives(email, ['news']);
		const lines = [
			{ email: 'a@example.com', attributes: { age: 30 } },
			{ email: 'b@example.com', attributes: { age: 'thirty' } }, // stored without its age
			{ email: 'c@example.com' },
			{ email: 'no-consent@example.com' }, // BlueConic answers CONSENT_MISMATCH
			{ attributes: { age: 3 } },
			{ type: 'DELETE_USER', details: { user_id: 'gone' } },
		].map((line) => JSON.stringify(line));
		await writeFile(paths().input, [...lines, '{oops', ''].join('\n'));
		const io = captureIo();
		expect(await runSyncCommand(argv('--rejects', paths().rejects), io)).toBe(0);
		expect(io.stdout.text).toMatch(
			/^completed: 7 of 7 lines done; 3 profiles accepted \(CREATED 3; 1 of them without some attributes\), 3 rejected \(CONSENT_MISMATCH 1, invalid_json 1, missing_email 1\), 1 ignored event; /,
		);
		const rejects = (await readFile(paths().rejects, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { reason: string }).reason);
		expect(rejects).toEqual(['invalid_attributes', 'not_accepted', 'missing_email', 'invalid_json']);
	});

	it('applies the consent gate and objectiveIds from the configuration, writing who was not synced', async () => {
		await writeFile(paths().config, syncConfigFile(fake, { profileSync: { consentAttribute: 'ok', objectiveIds: ['news'] } }));
		fake.setConsentedObjectives('a@example.com', ['news']);
		await writeFile(
			paths().input,
			[
				{ email: 'a@example.com', attributes: { ok: true } },
				{ email: 'b@example.com', attributes: { ok: true } },
				{ email: 'c@example.com', attributes: { ok: false } },
			]
				.map((user) => JSON.stringify(user))
				.join('\n'),
		);
		expect(await runSyncCommand(argv('--rejects', paths().rejects), captureIo())).toBe(0);
		expect(profileWrites(fake)[0]?.query).toEqual({ objectiveIds: 'news' });
		expect([...fake.profiles.keys()]).toEqual(['a@example.com']);
		const rejects = (await readFile(paths().rejects, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as unknown);
		expect(rejects).toEqual([
			{ line: 2, email: 'b@example.com', reason: 'not_accepted', state: 'CONSENT_MISMATCH', validationErrors: [] },
			{ line: 3, email: 'c@example.com', reason: 'consent', message: 'the consent attribute is not true' },
		]);
	});

	it('redraws one progress line on a terminal and writes plain lines otherwise', async () => {
		await writeFile(paths().input, buildInput(50).text);
		const tty = captureIo(true);
		expect(await runSyncCommand(argv('--batch-size', '10'), tty)).toBe(0);
		expect(tty.stderr.text).toMatch(/\r\x1b\[K50 \/ 50 lines \(100%\), [\d,]+\/s, ETA 0s\n/);
		const plain = captureIo(false);
		expect(await runSyncCommand(argv('--batch-size', '10', '--restart'), plain, { progressIntervalMs: 0 })).toBe(0);
		expect(plain.stderr.text).not.toContain('\r');
		expect(plain.stderr.text).toMatch(new RegExp(`^progress is saved in ${paths().input}\\.sync-state\\.json\n`));
		expect(plain.stderr.text).toMatch(/^10 \/ 50 lines \(20%\), [\d,]+\/s, ETA \d+s$/m);
	});
});
