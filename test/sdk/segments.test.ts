import { describe, expect, test } from 'vitest';
import { maxIdLength, maxSegments, segmentReport } from '../../sdk/segments.js';

/** The report for a client whose getSegments() answers `segments`. */
const reportOf = (segments: unknown): string => segmentReport({ getSegments: () => segments });

describe('segmentReport', () => {
	test('is the sorted JSON array of the ids, so that equal sets give equal text', () => {
		expect(reportOf([{ id: 'b', name: 'B' }, { id: 'a' }])).toBe('["a","b"]');
		expect(reportOf([{ id: 'a' }, { id: 'b' }])).toBe(reportOf([{ id: 'b' }, { id: 'a' }]));
	});

	test('is an empty array for a visitor in no segment, an answer that is not a list, or no getSegments', () => {
		expect(reportOf([])).toBe('[]');
		expect(reportOf(undefined)).toBe('[]');
		expect(reportOf({ id: 'a' })).toBe('[]');
		expect(reportOf(7)).toBe('[]');
		expect(segmentReport({})).toBe('[]');
		expect(segmentReport(undefined)).toBe('[]');
	});

	test('keeps only non-empty string ids, once each', () => {
		expect(reportOf([{ id: 'a' }, { id: 'a' }, { id: 7 }, { id: '' }, null, 'b', { name: 'no id' }])).toBe('["a"]');
	});

	test('drops ids longer than the collector accepts instead of cutting them', () => {
		const longest = 'x'.repeat(maxIdLength);
		expect(reportOf([{ id: longest }, { id: `${longest}y` }])).toBe(JSON.stringify([longest]));
	});

	test('keeps at most as many ids as the collector accepts', () => {
		const segments = Array.from({ length: maxSegments + 50 }, (_, index) => ({ id: `s${index}` }));
		expect(JSON.parse(reportOf(segments))).toHaveLength(maxSegments);
	});
});
