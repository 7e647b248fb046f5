import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, type TestResponse } from '../server/http-client.js';
import { type ConsoleCollector, consolePath, makeAssetsFolder, startConsoleCollector } from './console-fixture.js';

const csp =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A GET with the path sent exactly as written (no client normalises `..` away). */
function rawGet(baseUrl: string, path: string): Promise<TestResponse> {
	const { hostname, port } = new URL(baseUrl);
	return new Promise((resolve, reject) => {
		const req = httpRequest({ hostname, port, path, headers: { host: 'www.publisher.test' }, agent: false }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let json: unknown;
				try {
					json = JSON.parse(text);
				} catch {}
				resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
			});
		});
		req.on('error', reject);
		req.end();
	});
}

describe('console pages', () => {
	let assets: Awaited<ReturnType<typeof makeAssetsFolder>>;
	let collector: ConsoleCollector;
	beforeAll(async () => {
		assets = await makeAssetsFolder();
		collector = await startConsoleCollector({}, { adminAssetsPath: assets.path });
	});
	afterAll(async () => {
		await collector.stop({ drain: false });
		await assets.remove();
	});

	it('serves index.html with the strict CSP and security headers, without sign-in', async () => {
		const page = await collector.request(`${consolePath}/`);
		expect(page.status).toBe(200);
		expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
		expect(page.text).toContain('./assets/console.js');
		expect(page.headers['content-security-policy']).toBe(csp);
		expect(page.headers['x-content-type-options']).toBe('nosniff');
		expect(page.headers['referrer-policy']).toBe('no-referrer');
		expect(page.headers['x-frame-options']).toBe('DENY');
		expect(page.headers['cache-control']).toBe('no-store');
	});

	it('redirects the path without its slash to the slash form', async () => {
		const redirect = await collector.request(consolePath);
		expect([301, 302, 307, 308]).toContain(redirect.status);
		expect(redirect.headers.location).toBe(`${consolePath}/`);
	});

	it.each([
		['console.js', 'text/javascript; charset=utf-8'],
		['console.css', 'text/css; charset=utf-8'],
		['logo.svg', 'image/svg+xml'],
	])('serves assets/%s as %s', async (name, contentType) => {
		const asset = await collector.request(`${consolePath}/assets/${name}`);
		expect(asset.status).toBe(200);
		expect(asset.headers['content-type']).toBe(contentType);
		expect(asset.headers['content-security-policy']).toBe(csp);
	});

	it.each([
		'/assets/../secret.txt',
		'/assets/..%2fsecret.txt',
		'/assets/%2e%2e%2fsecret.txt',
		'/assets/%2e%2e/secret.txt',
		'/assets/%2e%2e',
		'/assets/..',
		'/assets/%2fetc%2fpasswd',
		'/assets//etc/passwd',
		'/assets/.hidden',
		'/assets/missing.js',
		'/assets/console.js%00.png',
	])('answers 404 for %s, never a file outside the assets', async (path) => {
		const answer = await rawGet(collector.url, `${consolePath}${path}`);
		expect(answer.status).toBe(404);
		expect(answer.text).not.toContain('not an asset');
		expect(answer.text).not.toContain('root:');
	});
});

describe('console pages before the UI is built', () => {
	it('answers a JSON 503 saying to run npm run build', async () => {
		const collector = await startConsoleCollector({}, { adminAssetsPath: '/nonexistent/bcb-admin' });
		try {
			const page = await collector.request(`${consolePath}/`);
			expect(page.status).toBe(503);
			expect(errorCode(page)).toBe('console_not_built');
			expect((page.json as { error: { message: string } }).error.message).toContain('npm run build');
		} finally {
			await collector.stop({ drain: false });
		}
	});
});
