import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintInput, readCheckpoint, writeCheckpoint } from '../../server/profile-sync/backfill/checkpoint.js';
import { countLines, readLineBatches } from '../../server/profile-sync/backfill/input-lines.js';
import { LineRanges } from '../../server/profile-sync/backfill/line-ranges.js';
import { formatDuration, ProgressReporter } from '../../server/profile-sync/backfill/progress.js';
import { RejectsFile } from '../../server/profile-sync/backfill/rejects-file.js';

describe('LineRanges', () => {
	it('merges ranges that finish out of order into as few ranges as possible', () => {
		const ranges = new LineRanges();
		ranges.add(21, 31);
		ranges.add(1, 11);
		expect(ranges.toJSON()).toEqual([
			[1, 11],
			[21, 31],
		]);
		ranges.add(11, 21);
		expect(ranges.toJSON()).toEqual([[1, 31]]);
		expect(ranges.size).toBe(30);
	});

	it('answers membership at range edges (start inclusive, end exclusive)', () => {
		const ranges = LineRanges.from([
			[5, 10],
			[20, 21],
		]);
		expect([4, 5, 9, 10, 19, 20, 21].map((line) => ranges.has(line))).toEqual([false, true, true, false, false, true, false]);
	});

	it('normalises overlapping ranges read from a checkpoint', () => {
		expect(
			LineRanges.from([
				[10, 20],
				[1, 12],
				[30, 30],
			]).toJSON(),
		).toEqual([[1, 20]]);
	});

	it('refuses an inverted range', () => {
		expect(() => new LineRanges().add(5, 2)).toThrow('invalid line range');
	});
});

describe('backfill files', () => {
	let directory: string;
	beforeEach(async () => {
		directory = await mkdtemp(join(tmpdir(), 'bc-files-'));
	});
	afterEach(() => rm(directory, { recursive: true, force: true }));

	it('counts lines with or without a final newline', async () => {
		const path = join(directory, 'in.ndjson');
		await writeFile(path, 'a\nb\nc');
		expect(await countLines(path)).toBe(3);
		await writeFile(path, 'a\nb\nc\n');
		expect(await countLines(path)).toBe(3);
		await writeFile(path, '');
		expect(await countLines(path)).toBe(0);
	});

	it('reads batches that skip done and blank lines while covering them in their range', async () => {
		const path = join(directory, 'in.ndjson');
		await writeFile(path, ['l1', 'l2', '', 'l4', 'l5', 'l6', 'l7'].join('\n'));
		const batches = [];
		for await (const batch of readLineBatches(path, 2, LineRanges.from([[4, 6]]))) batches.push(batch);
		expect(batches).toEqual([
			{ firstLine: 1, endLine: 3, lines: [{ number: 1, text: 'l1' }, { number: 2, text: 'l2' }] },
			{ firstLine: 3, endLine: 8, lines: [{ number: 6, text: 'l6' }, { number: 7, text: 'l7' }] },
		]);
	});

	it('writes a checkpoint atomically and reads it back only for the same input', async () => {
		const input = join(directory, 'in.ndjson');
		const state = join(directory, 'state.json');
		await writeFile(input, 'one\n');
		const fingerprint = await fingerprintInput(input);
		expect(await readCheckpoint(state, fingerprint)).toEqual({ status: 'missing' });
		await writeCheckpoint(state, fingerprint, LineRanges.from([[1, 2]]));
		const found = await readCheckpoint(state, fingerprint);
		expect(found.status === 'found' && found.doneLines.toJSON()).toEqual([[1, 2]]);
		await writeFile(input, 'two\n');
		expect(await readCheckpoint(state, await fingerprintInput(input))).toEqual({ status: 'other_input' });
		await writeFile(state, '{"half":');
		expect((await readCheckpoint(state, fingerprint)).status).toBe('unreadable');
	});

	it('keeps each rejected line once across runs, dropping a line torn by a crash', async () => {
		const path = join(directory, 'rejects.ndjson');
		const first = await RejectsFile.open(path, 'fresh');
		await first.append([{ line: 3, reason: 'missing_email' }]);
		await first.close();
		await writeFile(path, `${await readFile(path, 'utf8')}{"line":7,"rea`); // died mid-write
		const resumed = await RejectsFile.open(path, 'resume');
		await resumed.append([
			{ line: 3, reason: 'missing_email' },
			{ line: 7, reason: 'invalid_json' },
		]);
		await resumed.close();
		expect(await readFile(path, 'utf8')).toBe('{"line":3,"reason":"missing_email"}\n{"line":7,"reason":"invalid_json"}\n');
		const fresh = await RejectsFile.open(path, 'fresh');
		await fresh.close();
		expect(await readFile(path, 'utf8')).toBe('');
	});
});

describe('ProgressReporter', () => {
	it('estimates the time left from this run\'s rate', () => {
		let now = 0;
		const written: string[] = [];
		const reporter = new ProgressReporter({ write: (text: string) => written.push(text), isTTY: true }, 1_000, () => now);
		now = 2_000;
		reporter.update({ doneLines: 3_000, totalLines: 10_000, doneThisRun: 2_000 });
		expect(written).toEqual(['\r\x1b[K3,000 / 10,000 lines (30%), 1,000/s, ETA 7s']);
	});

	it('writes a plain line at most once per interval when not on a terminal', () => {
		let now = 0;
		const written: string[] = [];
		const reporter = new ProgressReporter({ write: (text: string) => written.push(text) }, 1_000, () => now);
		now = 500;
		reporter.update({ doneLines: 1, totalLines: 4, doneThisRun: 1 });
		now = 1_000;
		reporter.update({ doneLines: 2, totalLines: 4, doneThisRun: 2 });
		now = 1_500;
		reporter.update({ doneLines: 3, totalLines: 4, doneThisRun: 3 });
		expect(written).toEqual(['2 / 4 lines (50%), 2/s, ETA 1s\n']);
	});

	it('formats long durations in minutes and hours', () => {
		expect(formatDuration(59_400)).toBe('59s');
		expect(formatDuration(125_000)).toBe('2m05s');
		expect(formatDuration(3_723_000)).toBe('1h02m');
	});
});
