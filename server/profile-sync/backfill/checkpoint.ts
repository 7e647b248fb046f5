import { createHash } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { LineRanges } from './line-ranges.js';

/**
 * The backfill's resume point: which input lines are done (sent and answered by BlueConic, or rejected and written
 * to the rejects file). Written atomically (temporary file, fsync, rename) after every finished batch, so a crash
 * at any moment leaves either the previous or the next checkpoint, never half of one.
 */
export interface Checkpoint {
	readonly version: 1;
	/** Identifies the input, so a state file is never applied to another file's lines. */
	readonly input: { readonly fingerprint: string };
	/** Half-open `[start, end)` ranges of 1-based line numbers. */
	readonly doneLines: [number, number][];
	readonly updatedAt: string;
}

export type CheckpointRead =
	| { readonly status: 'missing' }
	| { readonly status: 'found'; readonly doneLines: LineRanges }
	| { readonly status: 'other_input' }
	| { readonly status: 'unreadable'; readonly message: string };

// Enough to tell files apart, cheap for any input size. Appending lines keeps the fingerprint, which is fine:
// the lines already done are still the same lines.
const fingerprintBytes = 64 * 1024;

export async function fingerprintInput(inputPath: string): Promise<string> {
	const file = await open(inputPath, 'r');
	try {
		const buffer = Buffer.alloc(fingerprintBytes);
		const { bytesRead } = await file.read(buffer, 0, fingerprintBytes, 0);
		return createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex');
	} finally {
		await file.close();
	}
}

export async function readCheckpoint(statePath: string, fingerprint: string): Promise<CheckpointRead> {
	let text: string;
	try {
		text = await readFile(statePath, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
		return { status: 'unreadable', message: (error as Error).message };
	}
	try {
		const checkpoint = JSON.parse(text) as Partial<Checkpoint>;
		if (checkpoint.version !== 1 || !Array.isArray(checkpoint.doneLines)) {
			return { status: 'unreadable', message: 'not a blueconic-bridge sync state file' };
		}
		if (checkpoint.input?.fingerprint !== fingerprint) return { status: 'other_input' };
		return { status: 'found', doneLines: LineRanges.from(checkpoint.doneLines) };
	} catch (error) {
		return { status: 'unreadable', message: (error as Error).message };
	}
}

export async function writeCheckpoint(statePath: string, fingerprint: string, doneLines: LineRanges): Promise<void> {
	const checkpoint: Checkpoint = {
		version: 1,
		input: { fingerprint },
		doneLines: doneLines.toJSON(),
		updatedAt: new Date().toISOString(),
	};
	const temporaryPath = `${statePath}.tmp`;
	const file = await open(temporaryPath, 'w');
	try {
		await file.writeFile(`${JSON.stringify(checkpoint)}\n`);
		await file.sync();
	} finally {
		await file.close();
	}
	await rename(temporaryPath, statePath);
}
