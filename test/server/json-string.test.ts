import { describe, expect, it } from 'vitest';
import { jsonString } from '../../server/utils/json-string.js';
import { seededRandom } from '../seeded-random.js';

describe('jsonString', () => {
	it('spells every string as JSON.stringify does', () => {
		const samples = ['', 'sports', 'a"b', 'a\\b', '\u0000', '\u001f', ' ', '\u007f', 'é', '\u2028\u2029', '😀', '\ud83d', 'x\ude00', '</script>'];
		for (const text of samples) expect(jsonString(text)).toBe(JSON.stringify(text));
	});

	it('agrees with JSON.stringify on random strings of any code units, lone surrogates included', () => {
		// The same steps every run.
		const random = seededRandom(0x1f2e3d4c);
		// Mostly plain ids, some with a character from each range JSON treats apart.
		const ranges = [
			[0x61, 0x7a],
			[0x00, 0x1f],
			[0x20, 0x7f],
			[0x80, 0xd7ff],
			[0xd800, 0xdfff],
			[0xe000, 0xffff],
		] as const;
		for (let sample = 0; sample < 20_000; sample++) {
			let text = '';
			for (let length = random(12); length > 0; length--) {
				const [low, high] = ranges[random(8) < 3 ? 0 : random(ranges.length)] as readonly [number, number];
				text += String.fromCharCode(low + random(high - low + 1));
			}
			expect(jsonString(text)).toBe(JSON.stringify(text));
		}
	});
});
