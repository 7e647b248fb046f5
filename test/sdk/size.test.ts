import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';

// The SDK's size budget is part of the code (see STYLE.md, nanostores): measured on the built files, gzip level 9,
// and the README states exactly these numbers.
const budgets = [
	{ file: 'blueconic-bridge.min.js', label: 'script tag', maxBytes: 1_536 },
	{ file: 'snippet.min.js', label: 'inline snippet', maxBytes: 700 },
];

function gzippedSize(file: string): number {
	return gzipSync(readFileSync(new URL(`../../dist/sdk/${file}`, import.meta.url)), { level: 9 }).length;
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe.each(budgets)('$label ($file)', ({ file, label, maxBytes }) => {
	const size = gzippedSize(file);

	test(`stays within ${maxBytes} bytes gzipped`, () => {
		expect(size).toBeLessThanOrEqual(maxBytes);
	});

	test('is stated in the README as measured', () => {
		const sdkSection = readme.slice(readme.indexOf('<!-- sdk:start -->'), readme.indexOf('<!-- sdk:end -->'));
		const stated = new RegExp(`${label}: \\*\\*([\\d,]+) bytes\\*\\* gzipped`).exec(sdkSection);
		expect(stated, `README's sdk section should say "${label}: **N bytes** gzipped"`).not.toBeNull();
		expect(Number(stated?.[1]?.replace(',', ''))).toBe(size);
	});
});
