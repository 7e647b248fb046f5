import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { LineRanges } from './line-ranges.js';

/** A run of input lines sent together. Every line in `[firstLine, endLine)` is in `lines`, blank, or done before. */
export interface LineBatch {
	readonly firstLine: number;
	readonly endLine: number;
	readonly lines: readonly { readonly number: number; readonly text: string }[];
}

/** Counts lines (for progress and ETA) without holding the file in memory. */
export async function countLines(path: string): Promise<number> {
	let count = 0;
	let lastByte = 0x0a;
	for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
		for (let index = chunk.indexOf(0x0a); index !== -1; index = chunk.indexOf(0x0a, index + 1)) count++;
		if (chunk.length > 0) lastByte = chunk[chunk.length - 1] as number;
	}
	return lastByte === 0x0a ? count : count + 1;
}

/**
 * Reads the input as batches of at most `batchSize` lines still to do (1-based numbering), skipping lines done in an
 * earlier run and blank lines. Reading is pulled by the caller, so a slow BlueConic slows reading, not memory.
 */
export async function* readLineBatches(path: string, batchSize: number, done: LineRanges): AsyncGenerator<LineBatch> {
	const reader = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
	let lines: { number: number; text: string }[] = [];
	// Each batch starts where the previous one ended: blank and already-done lines in between are covered too.
	let firstLine = 1;
	let lineNumber = 0;
	try {
		for await (const text of reader) {
			lineNumber++;
			if (done.has(lineNumber) || text.trim() === '') continue;
			lines.push({ number: lineNumber, text });
			if (lines.length === batchSize) {
				yield { firstLine, endLine: lineNumber + 1, lines };
				firstLine = lineNumber + 1;
				lines = [];
			}
		}
		if (lines.length > 0) yield { firstLine, endLine: lineNumber + 1, lines };
	} finally {
		reader.close();
	}
}
