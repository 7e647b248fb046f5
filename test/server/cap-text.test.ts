import { describe, expect, it } from 'vitest';
import { capText, cappedSample } from '../../server/utils/cap-text.js';

describe('capText', () => {
	it('keeps short text as is and cuts long text, saying how much was cut', () => {
		expect(capText('CREATE_USER')).toBe('CREATE_USER');
		expect(capText('x'.repeat(1_000_000))).toBe(`${'x'.repeat(100)}... (999900 more characters)`);
	});

	it('samples at most the given number of distinct texts, in the order first seen, each cut', () => {
		expect(cappedSample(['B', 'A', 'B', 'C', 'D'], 3)).toEqual(['B', 'A', 'C']);
		expect(cappedSample(['y'.repeat(500)], 3)).toEqual([`${'y'.repeat(100)}... (400 more characters)`]);
	});
});
