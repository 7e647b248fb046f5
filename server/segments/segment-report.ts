import { HttpError } from '../errors/http-error.js';

export interface SegmentLimits {
	maxPerSession: number;
	maxIdLength: number;
}

/** The largest UTF-8 body a valid report can need: every id at its longest, 3 bytes a UTF-16 unit, plus quotes and commas. */
export function maxReportBytes({ maxPerSession, maxIdLength }: SegmentLimits): number {
	return maxPerSession * (3 * maxIdLength + 3) + 2;
}

// Reports up to this many items are de-duplicated by scanning what is kept; longer ones through a Set.
const scanLimit = 16;

/**
 * A browser's segment report: a JSON array of segment-id strings, de-duplicated (first occurrence kept).
 * An empty array is a valid report: "in no segment". Checked in one pass over each id's characters; a report
 * without duplicates is the parsed array itself, not a copy.
 */
export function parseSegmentReport(body: unknown, { maxPerSession, maxIdLength }: SegmentLimits): string[] {
	if (!Array.isArray(body)) {
		throw new HttpError(400, 'not_an_array', `the body must be a JSON array of segment id strings, not ${describe(body)}`);
	}
	const items = body as unknown[];
	let distinct: string[] | undefined; // only once a duplicate shows up
	let seen: Set<string> | undefined;
	let distinctCount = 0;
	for (let index = 0; index < items.length; index++) {
		const item = items[index];
		if (typeof item !== 'string') {
			throw new HttpError(400, 'invalid_segment_id', `item ${index} is ${describe(item)}, not a segment id string`);
		}
		if (item === '') throw new HttpError(400, 'invalid_segment_id', `item ${index} is an empty string`);
		if (item.length > maxIdLength) {
			throw new HttpError(400, 'segment_id_too_long', `item ${index} is longer than ${maxIdLength} characters`);
		}
		if (!isCleanText(item)) {
			throw new HttpError(400, 'invalid_segment_id', `item ${index} contains control characters or broken unicode`);
		}
		if (isRepeat(items, index, item, seen)) {
			distinct ??= items.slice(0, index) as string[];
			continue;
		}
		if (items.length > scanLimit) (seen ??= new Set()).add(item);
		distinctCount++;
		distinct?.push(item);
	}
	if (distinctCount > maxPerSession) {
		throw new HttpError(413, 'too_many_segments', `a report may hold at most ${maxPerSession} distinct segment ids`);
	}
	return distinct ?? (items as string[]);
}

/** Whether `item` came earlier in the report. */
function isRepeat(items: readonly unknown[], index: number, item: string, seen: Set<string> | undefined): boolean {
	if (seen !== undefined) return seen.has(item);
	if (items.length > scanLimit) return false; // the first item: the Set starts with it
	for (let earlier = 0; earlier < index; earlier++) if (items[earlier] === item) return true;
	return false;
}

// One character at a time, no quantifier: nothing to backtrack on.
const controlCharacter = /[\x00-\x1f\x7f-\x9f]/;

/**
 * No C0 or C1 control character and no UTF-16 half that does not form a character: no real segment id has them.
 * Two native scans rather than a loop over `charCodeAt`, which profiles showed costing more than the rest of the
 * report's checks together.
 */
function isCleanText(text: string): boolean {
	return !controlCharacter.test(text) && text.isWellFormed();
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
