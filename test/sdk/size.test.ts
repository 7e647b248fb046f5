import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCollector, type StartedCollector, testConfig } from '../server/collector-fixture.js';

// The SDK's size budget is part of the code (see STYLE.md, nanostores): measured on the built files, gzip level 9,
// and the README states exactly these numbers. For the script tag, they are the bytes the collector puts on the wire.
const budgets = [
	{ file: 'blueconic-bridge.min.js', label: 'script tag', maxBytes: 1_536 },
	{ file: 'snippet.min.js', label: 'inline snippet', maxBytes: 700 },
];

function gzippedSize(file: string): number {
	return gzipSync(readFileSync(new URL(`../../dist/sdk/${file}`, import.meta.url)), { level: 9 }).length;
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const sdkSection = readme.slice(readme.indexOf('<!-- sdk:start -->'), readme.indexOf('<!-- sdk:end -->'));

/** A figure the README's sdk section states: `**1,505 bytes** ...` after `prefix`. */
function statedBytes(pattern: string): number | undefined {
	const stated = new RegExp(pattern).exec(sdkSection)?.[1];
	return stated === undefined ? undefined : Number(stated.replaceAll(',', ''));
}

describe.each(budgets)('$label ($file)', ({ file, label, maxBytes }) => {
	const size = gzippedSize(file);

	test(`stays within ${maxBytes} bytes gzipped`, () => {
		expect(size).toBeLessThanOrEqual(maxBytes);
	});

	test('is stated in the README as measured', () => {
		expect(statedBytes(`${label}: \\*\\*([\\d,]+) bytes\\*\\* gzipped`), `README's sdk section should say "${label}: **N bytes** gzipped"`).toBe(size);
	});
});

describe('the script tag as the collector serves it', () => {
	let running: StartedCollector;
	beforeAll(async () => {
		running = await startCollector(testConfig()); // serves dist/sdk/blueconic-bridge.min.js
	});
	afterAll(() => running.stop());

	/** The body's length on the wire, undecoded, with the Content-Length and Content-Encoding it came with. */
	function wireBytes(acceptEncoding: string) {
		return new Promise<{ bytes: number; contentLength: number; coding: string | undefined }>((resolve, reject) => {
			const req = httpRequest(`${running.url}/plugins/public/blueconic/sdk.js`, { headers: { 'accept-encoding': acceptEncoding }, agent: false }, (res) => {
				let bytes = 0;
				res.on('data', (chunk: Buffer) => (bytes += chunk.length));
				res.on('end', () => resolve({ bytes, contentLength: Number(res.headers['content-length']), coding: res.headers['content-encoding'] }));
			});
			req.on('error', reject);
			req.end();
		});
	}

	test.each([
		['gzip', 'script tag: \\*\\*([\\d,]+) bytes\\*\\* gzipped'],
		['br', 'script tag: \\*\\*[\\d,]+ bytes\\*\\* gzipped, \\*\\*([\\d,]+) bytes\\*\\* with brotli'],
	])('carries, with %s, the README figure', async (coding, pattern) => {
		const wire = await wireBytes(coding);
		expect(wire.coding).toBe(coding);
		expect(wire.contentLength).toBe(wire.bytes);
		expect(statedBytes(pattern), `README's sdk section should state the ${coding} size as served`).toBe(wire.bytes);
	});
});
