import { describe, expect, it } from 'vitest';
import { chooseContentCoding, type ContentCoding } from '../../server/http/accept-encoding.js';

const all = new Set<ContentCoding>(['br', 'gzip', 'identity']);
const gzipOnly = new Set<ContentCoding>(['gzip', 'identity']);

describe('chooseContentCoding', () => {
	it.each([
		[undefined, 'identity'],
		['', 'identity'],
		['gzip', 'gzip'],
		['br', 'br'],
		['gzip, deflate, br', 'br'],
		['GZIP', 'gzip'],
		['x-gzip', 'gzip'],
		['br;q=0.5, gzip;q=0.8', 'gzip'],
		['br;q=1.0, gzip;q=1', 'br'],
		['gzip;q=0, br;q=0', 'identity'],
		['gzip;q=0', 'identity'],
		['*', 'br'],
		['*;q=0.5, br;q=0', 'gzip'],
		['identity;q=1, gzip;q=0.5', 'identity'],
		['*;q=0', 'identity'],
		['deflate, zstd', 'identity'],
		['br;q=2, gzip', 'gzip'],
		['br;q=0.5000, gzip;q=0.4', 'gzip'],
		['br; q=0.9 , gzip ; q=0.3', 'br'],
		['br;level=5;q=0.1, gzip;q=0.2', 'gzip'],
	] as const)('answers %j with %s', (header, coding) => {
		expect(chooseContentCoding(header, all)).toBe(coding);
	});

	it('chooses only among the codings at hand', () => {
		expect(chooseContentCoding('br', gzipOnly)).toBe('identity');
		expect(chooseContentCoding('br, gzip;q=0.1', gzipOnly)).toBe('gzip');
		expect(chooseContentCoding('gzip', new Set<ContentCoding>(['identity']))).toBe('identity');
	});

	it('reads a long hostile header in linear time, without a backtracking pattern', () => {
		const header = `${'a;q=0.'.repeat(2_000)}${'9'.repeat(5_000)}, gzip`;
		expect(chooseContentCoding(header, all)).toBe('gzip');
	});
});
