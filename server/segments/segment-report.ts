import { HttpError } from '../errors/http-error.js';

export interface SegmentLimits {
	maxPerSession: number;
	maxIdLength: number;
}

// C0 and C1 control characters, and UTF-16 halves that do not form a character: no real segment id has them.
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The largest UTF-8 body a valid report can need: every id at its longest, 3 bytes a UTF-16 unit, plus quotes and commas. */
export function maxReportBytes({ maxPerSession, maxIdLength }: SegmentLimits): number {
	return maxPerSession * (3 * maxIdLength + 3) + 2;
}

/**
 * A browser's segment report: a JSON array of segment-id strings, de-duplicated (first occurrence kept).
 * An empty array is a valid report: "in no segment".
 */
export function parseSegmentReport(body: unknown, { maxPerSession, maxIdLength }: SegmentLimits): string[] {
	if (!Array.isArray(body)) {
		throw new HttpError(400, 'not_an_array', `the body must be a JSON array of segment id strings, not ${describe(body)}`);
	}
	const segmentIds = new Set<string>();
	for (const [index, item] of body.entries()) {
		if (typeof item !== 'string') {
			throw new HttpError(400, 'invalid_segment_id', `item ${index} is ${describe(item)}, not a segment id string`);
		}
		if (item === '') throw new HttpError(400, 'invalid_segment_id', `item ${index} is an empty string`);
		if (item.length > maxIdLength) {
			throw new HttpError(400, 'segment_id_too_long', `item ${index} is longer than ${maxIdLength} characters`);
		}
		if (controlCharacter.test(item) || loneSurrogate.test(item)) {
			throw new HttpError(400, 'invalid_segment_id', `item ${index} contains control characters or broken unicode`);
		}
		segmentIds.add(item);
	}
	if (segmentIds.size > maxPerSession) {
		throw new HttpError(413, 'too_many_segments', `a report may hold at most ${maxPerSession} distinct segment ids`);
	}
	return [...segmentIds];
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
