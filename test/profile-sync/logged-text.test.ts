import { describe, expect, it } from 'vitest';
import { loggedSample, loggedText, maxLoggedTextLength } from '../../server/profile-sync/logged-text.js';

describe('loggedText', () => {
	it('keeps short text as is and cuts long text, saying how long it was', () => {
		expect(loggedText('CREATE_USER')).toBe('CREATE_USER');
		expect(loggedText('x'.repeat(1_000_000))).toBe(`${'x'.repeat(maxLoggedTextLength)}… (1000000 characters)`);
	});

	it('samples at most the given number of distinct texts, in the order first seen', () => {
		expect(loggedSample(['B', 'A', 'B', 'C', 'D'], 3)).toEqual(['B', 'A', 'C']);
	});
});
