/** Something progress lines can be written to: process.stderr, or a test's buffer. */
export interface ProgressStream {
	write(text: string): unknown;
	readonly isTTY?: boolean;
}

/** Where a run keeps its progress, and how much earlier runs did: said once, before the first batch. */
export interface BackfillStart {
	/** `undefined`: nothing is saved, an interrupted run starts over. */
	readonly statePath: string | undefined;
	/** Lines done by earlier runs, skipped by this one. */
	readonly resumedFrom: number;
	readonly totalLines: number;
}

export interface ProgressSnapshot {
	/** Lines done in this run and in earlier runs. */
	readonly doneLines: number;
	readonly totalLines: number;
	/** Lines done by this run: the rate and ETA are about this run only. */
	readonly doneThisRun: number;
}

/**
 * Shows backfill progress: on a terminal one line redrawn in place (count, rate, ETA), otherwise a plain line every
 * `intervalMs`, which is what a log file or CI output wants.
 */
export class ProgressReporter {
	private lastPlainLineAt: number;
	private readonly startedAt: number;

	constructor(
		private readonly stream: ProgressStream,
		private readonly intervalMs: number,
		private readonly now: () => number = Date.now,
	) {
		this.startedAt = now();
		this.lastPlainLineAt = this.startedAt;
	}

	/** Names the state file, so an operator knows what to keep (or delete) and that running again resumes. */
	begin({ statePath, resumedFrom, totalLines }: BackfillStart): void {
		const where = statePath === undefined ? 'progress is not saved' : `progress is saved in ${statePath}`;
		const resumed =
			resumedFrom > 0 ? `; resuming: ${formatCount(resumedFrom)} of ${formatCount(totalLines)} lines were done by earlier runs` : '';
		this.stream.write(`${where}${resumed}\n`);
	}

	update(snapshot: ProgressSnapshot): void {
		if (this.stream.isTTY) {
			this.stream.write(`\r\x1b[K${this.describe(snapshot)}`);
			return;
		}
		const now = this.now();
		if (now - this.lastPlainLineAt < this.intervalMs) return;
		this.lastPlainLineAt = now;
		this.stream.write(`${this.describe(snapshot)}\n`);
	}

	/** Ends the redrawn line so what follows starts on a line of its own. */
	finish(): void {
		if (this.stream.isTTY) this.stream.write('\n');
	}

	/** Lines per second done by this run so far. */
	rate(doneThisRun: number): number {
		const seconds = (this.now() - this.startedAt) / 1000;
		return seconds > 0 ? doneThisRun / seconds : 0;
	}

	private describe({ doneLines, totalLines, doneThisRun }: ProgressSnapshot): string {
		const percent = totalLines > 0 ? Math.floor((doneLines / totalLines) * 100) : 100;
		const rate = this.rate(doneThisRun);
		const eta = rate > 0 ? formatDuration(((totalLines - doneLines) / rate) * 1000) : '?';
		return `${formatCount(doneLines)} / ${formatCount(totalLines)} lines (${percent}%), ${formatCount(Math.round(rate))}/s, ETA ${eta}`;
	}
}

export function formatCount(count: number): string {
	return count.toLocaleString('en-US');
}

export function formatDuration(milliseconds: number): string {
	const seconds = Math.max(0, Math.round(milliseconds / 1000));
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
	return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
