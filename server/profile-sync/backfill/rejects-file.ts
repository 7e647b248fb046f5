import { type FileHandle, open, readFile, truncate } from 'node:fs/promises';

/** One line of the rejects file (NDJSON): an input line that was not (fully) synced, and why. */
export interface RejectRecord {
	readonly line: number;
	readonly email?: string;
	/** missing_email, invalid_email, invalid_json, malformed, consent, not_accepted (see `state`), invalid_attributes. */
	readonly reason: string;
	readonly message?: string;
	/** BlueConic's state, when it answered but did not store (not_accepted) or stored without some attributes. */
	readonly state?: string;
	readonly skippedAttributes?: readonly { attributeId: string; reason: string }[];
	readonly validationErrors?: readonly { field?: string; message: string }[];
}

/**
 * Appends rejects and flushes them to disk before the batch's checkpoint is written. A batch that was rejected but
 * not yet checkpointed when the process died is processed again on resume; lines already in the file are then not
 * written twice, so the file lists every rejected line exactly once across any number of runs.
 */
export class RejectsFile {
	private constructor(
		private readonly file: FileHandle,
		private readonly writtenLines: Set<number>,
	) {}

	/** `fresh` starts the file over (a run from the first line); `resume` keeps what earlier runs wrote. */
	static async open(path: string, mode: 'fresh' | 'resume'): Promise<RejectsFile> {
		const writtenLines = new Set<number>();
		if (mode === 'fresh') return new RejectsFile(await open(path, 'w'), writtenLines);
		let text = '';
		try {
			text = await readFile(path, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
		// A crash mid-write can leave a torn last line; drop it (its batch was not checkpointed and runs again).
		const completeLength = text.endsWith('\n') || text === '' ? text.length : text.lastIndexOf('\n') + 1;
		if (completeLength < text.length) await truncate(path, Buffer.byteLength(text.slice(0, completeLength)));
		for (const line of text.slice(0, completeLength).split('\n')) {
			if (line.trim() === '') continue;
			try {
				const record = JSON.parse(line) as { line?: unknown };
				if (typeof record.line === 'number') writtenLines.add(record.line);
			} catch {
				// Not ours to judge: keep the operator's line, it just does not count as written.
			}
		}
		return new RejectsFile(await open(path, 'a'), writtenLines);
	}

	/** Writes the records not written before and flushes them. */
	async append(records: readonly RejectRecord[]): Promise<void> {
		const fresh = records.filter((record) => !this.writtenLines.has(record.line));
		if (fresh.length === 0) return;
		await this.file.appendFile(fresh.map((record) => `${JSON.stringify(record)}\n`).join(''));
		await this.file.datasync();
		for (const record of fresh) this.writtenLines.add(record.line);
	}

	close(): Promise<void> {
		return this.file.close();
	}
}
