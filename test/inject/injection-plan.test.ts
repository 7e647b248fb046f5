import { describe, expect, test } from 'vitest';
import { planInjection, weakenEtag } from '../../server/inject/injection-plan.js';
import { resolveScriptTag, scriptTagHtml } from '../../server/inject/script-tag.js';

function plan(headers: Record<string, string>, status = 200, method = 'GET') {
	return planInjection(method, status, (name) => headers[name]);
}

const html = { 'content-type': 'text/html; charset=utf-8' };

describe('which answers get the tag', () => {
	test('HTML pages, 2xx and error pages, in every encoding that can be undone', () => {
		expect(plan(html)).toEqual({ action: 'inject', encoding: 'identity' });
		expect(plan({ 'content-type': 'TEXT/HTML' }, 404)).toEqual({ action: 'inject', encoding: 'identity' });
		expect(plan(html, 503)).toMatchObject({ action: 'inject' });
		for (const [value, encoding] of [['gzip', 'gzip'], ['x-gzip', 'gzip'], ['br', 'br'], ['deflate', 'deflate'], ['identity', 'identity']]) {
			expect(plan({ ...html, 'content-encoding': value as string })).toEqual({ action: 'inject', encoding });
		}
	});

	test('HEAD, bodiless statuses, redirects and partial content pass unchanged', () => {
		expect(plan(html, 200, 'HEAD')).toMatchObject({ action: 'skip', reason: 'head_request' });
		for (const status of [101, 204, 205, 304]) expect(plan(html, status)).toMatchObject({ reason: 'no_body' });
		for (const status of [301, 302, 303, 307, 308]) expect(plan(html, status)).toMatchObject({ reason: 'redirect' });
		expect(plan(html, 206)).toMatchObject({ reason: 'partial_content' });
		expect(plan({ ...html, 'content-range': 'bytes 0-9/100' })).toMatchObject({ reason: 'partial_content' });
	});

	test('anything that is not text/html passes unchanged', () => {
		for (const type of ['application/json', 'text/event-stream', 'application/xhtml+xml', 'text/plain', 'text/htmlx']) {
			expect(plan({ 'content-type': type })).toMatchObject({ reason: 'not_html' });
		}
		expect(plan({})).toMatchObject({ reason: 'not_html' });
	});

	test('downloads, no-transform, UTF-16 and unknown encodings pass unchanged, saying why', () => {
		expect(plan({ ...html, 'content-disposition': 'attachment; filename="page.html"' })).toMatchObject({ reason: 'attachment' });
		expect(plan({ ...html, 'cache-control': 'public, No-Transform' })).toMatchObject({ reason: 'no_transform' });
		expect(plan({ 'content-type': 'text/html; charset="UTF-16LE"' })).toEqual({ action: 'skip', reason: 'unsupported_charset', detail: 'utf-16le' });
		expect(plan({ ...html, 'content-encoding': 'zstd' })).toEqual({ action: 'skip', reason: 'unsupported_encoding', detail: 'zstd' });
		expect(plan({ ...html, 'content-encoding': 'gzip, br' })).toMatchObject({ reason: 'unsupported_encoding' });
	});
});

test('a strong ETag is made weak, a weak one stays', () => {
	expect(weakenEtag('"abc"')).toBe('W/"abc"');
	expect(weakenEtag('W/"abc"')).toBe('W/"abc"');
});

describe('the tag', () => {
	test('same-origin by default, as in DESIGN.md', () => {
		expect(scriptTagHtml(resolveScriptTag({}, 'test'), undefined)).toBe(
			'<script async src="/plugins/public/blueconic/sdk.js" data-endpoint="/plugins/public/blueconic/segments"></script>',
		);
	});

	test('a collector elsewhere: the endpoint follows the script’s origin; nonce and data-* attributes are escaped', () => {
		const tag = resolveScriptTag(
			{ scriptUrl: 'https://collector.example.com/plugins/public/blueconic/sdk.js', attributes: { 'data-consent': 'required', 'data-x': 'a"b' } },
			'test',
		);
		expect(scriptTagHtml(tag, 'n0nce')).toBe(
			'<script async src="https://collector.example.com/plugins/public/blueconic/sdk.js" ' +
				'data-endpoint="https://collector.example.com/plugins/public/blueconic/segments" nonce="n0nce" data-consent="required" data-x="a&quot;b"></script>',
		);
	});

	test('bad options are refused loudly, naming the option', () => {
		expect(() => resolveScriptTag({ scriptUrl: 'javascript:alert(1)' }, 'scriptInjection')).toThrow(
			'scriptInjection: scriptUrl must be an http or https URL',
		);
		expect(() => resolveScriptTag({ scriptUrl: '//cdn.example.com/sdk.js' }, 'scriptInjection')).toThrow(/scriptUrl must be a path/);
		expect(() => resolveScriptTag({ endpoint: '' }, 'scriptInjection')).toThrow('scriptInjection: endpoint must be a non-empty string');
		expect(() => resolveScriptTag({ attributes: { onload: 'x' } }, 'scriptInjection')).toThrow(/attributes\["onload"\] must be a data-\* attribute/);
		expect(() => resolveScriptTag({ attributes: { 'data-endpoint': '/x' } }, 'scriptInjection')).toThrow(/use the endpoint option/);
		expect(() => resolveScriptTag({ attributes: { 'data-debug': true as unknown as string } }, 'scriptInjection')).toThrow(/must be a string/);
	});
});
