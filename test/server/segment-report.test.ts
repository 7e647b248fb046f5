import { describe, expect, it } from 'vitest';
import { parseSegmentReport } from '../../server/segments/segment-report.js';

const limits = { maxPerSession: 20, maxIdLength: 10 };
const codeOf = (body: unknown): string | undefined => {
	try {
		parseSegmentReport(body, limits);
		return undefined;
	} catch (error) {
		return `${(error as { status: number }).status} ${(error as { code: string }).code}: ${(error as Error).message}`;
	}
};

describe('parseSegmentReport', () => {
	it('keeps the first occurrence of each id, in short and long reports alike', () => {
		expect(parseSegmentReport(['b', 'a', 'b', 'c', 'a'], limits)).toEqual(['b', 'a', 'c']);
		const long = Array.from({ length: 40 }, (_, index) => `id-${index % 18}`);
		expect(parseSegmentReport(long, limits)).toEqual(Array.from({ length: 18 }, (_, index) => `id-${index}`));
	});

	it('gives back the parsed array itself when it holds no duplicate', () => {
		const body = ['a', 'b'];
		expect(parseSegmentReport(body, limits)).toBe(body);
	});

	it('accepts characters past the BMP as their surrogate pairs, and refuses halves and control characters', () => {
		expect(parseSegmentReport(['🏈-fans', '体育', 'café'], limits)).toEqual(['🏈-fans', '体育', 'café']);
		const broken = 'item 0 contains control characters or broken unicode';
		for (const id of ['\ud800', 'a\ud800b', '\udc00', 'a\udc00\ud800', 'a\u0000', 'a\u001f', 'a\u007f', 'a\u009f']) {
			expect(codeOf([id])).toBe(`400 invalid_segment_id: ${broken}`);
		}
		expect(codeOf(['\u00a0ok'])).toBeUndefined();
	});

	it('answers every refusal as before, the first bad item first, distinct ids counted after every item passed', () => {
		expect(codeOf({})).toBe('400 not_an_array: the body must be a JSON array of segment id strings, not an object');
		expect(codeOf(['a', 2])).toBe('400 invalid_segment_id: item 1 is a number, not a segment id string');
		expect(codeOf(['a', ''])).toBe('400 invalid_segment_id: item 1 is an empty string');
		expect(codeOf(['x'.repeat(11)])).toBe('400 segment_id_too_long: item 0 is longer than 10 characters');
		const tooMany = Array.from({ length: 21 }, (_, index) => `${index}`);
		expect(codeOf(tooMany)).toBe('413 too_many_segments: a report may hold at most 20 distinct segment ids');
		expect(codeOf([...tooMany, null])).toBe('400 invalid_segment_id: item 21 is null, not a segment id string');
		expect(codeOf([...tooMany.slice(0, 20), ...tooMany.slice(0, 20)])).toBeUndefined();
	});
});
