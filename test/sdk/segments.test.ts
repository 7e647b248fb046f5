import { describe, expect, test } from 'vitest';
import { maxIdLength, maxSegments, segmentIdsOf, segmentReport } from '../../sdk/segments.js';

describe('segmentReport', () => {
	test('is the sorted JSON array of the ids, so that equal sets give equal text', () => {
		expect(segmentReport([{ id: 'b', name: 'B' }, { id: 'a' }])).toBe('["a","b"]');
		expect(segmentReport([{ id: 'a' }, { id: 'b' }])).toBe(segmentReport([{ id: 'b' }, { id: 'a' }]));
	});

	test('is an empty array for a visitor in no segment, or an answer that is not a list', () => {
		expect(segmentReport([])).toBe('[]');
		expect(segmentReport(undefined)).toBe('[]');
		expect(segmentReport({ id: 'a' })).toBe('[]');
	});

	test('keeps only non-empty string ids, once each', () => {
		expect(segmentReport([{ id: 'a' }, { id: 'a' }, { id: 7 }, { id: '' }, null, 'b', { name: 'no id' }])).toBe('["a"]');
	});

	test('drops ids longer than the collector accepts instead of cutting them', () => {
		const longest = 'x'.repeat(maxIdLength);
		expect(segmentReport([{ id: longest }, { id: `${longest}y` }])).toBe(JSON.stringify([longest]));
	});

	test('keeps at most as many ids as the collector accepts', () => {
		const segments = Array.from({ length: maxSegments + 50 }, (_, index) => ({ id: `s${index}` }));
		expect(JSON.parse(segmentReport(segments))).toHaveLength(maxSegments);
	});
});

describe('segmentIdsOf', () => {
	test('reads a report back, and nothing from nothing or from text that is not JSON', () => {
		expect(segmentIdsOf('["a","b"]')).toEqual(['a', 'b']);
		expect(segmentIdsOf('[]')).toEqual([]);
		expect(segmentIdsOf(null)).toBeUndefined();
		expect(segmentIdsOf('{not json')).toBeUndefined();
	});
});
