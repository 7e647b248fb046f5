import { describe, expect, test } from 'vitest';
import { adjustCsp, randomNonce } from '../../server/inject/csp.js';
import { resolveScriptTag } from '../../server/inject/script-tag.js';

const sameOrigin = resolveScriptTag({}, 'test');
const otherOrigin = resolveScriptTag({ scriptUrl: 'https://collector.example.com/plugins/public/blueconic/sdk.js' }, 'test');
const madeNonce = () => 'made-here';

function adjust(enforced: string | undefined, reportOnly?: string, tag = sameOrigin) {
	return adjustCsp({ enforced, reportOnly }, tag, madeNonce);
}

describe('the nonce', () => {
	test('comes from the script-src of the page’s policy, which is left as it is', () => {
		const policy = "default-src 'none'; script-src 'nonce-abc123+/=' 'strict-dynamic'; connect-src 'self'";
		expect(adjust(policy)).toEqual({ nonce: 'abc123+/=', enforced: policy, reportOnly: undefined });
	});

	test('comes from default-src when there is no script-src, and script-src-elem wins over script-src', () => {
		expect(adjust("default-src 'nonce-fromdefault'").nonce).toBe('fromdefault');
		expect(adjust("script-src 'nonce-a'; script-src-elem 'nonce-b'; connect-src *").nonce).toBe('b');
	});

	test('is not taken from a directive that is not the one for scripts, or from a value that could break the tag', () => {
		expect(adjust("style-src 'nonce-styles'").nonce).toBeUndefined();
		// The quote cannot get into the attribute: the page's nonce is not taken, one is made instead.
		const result = adjust(`script-src 'nonce-a"b'`);
		expect(result.nonce).toBe('made-here');
		expect(result.enforced).toBe(`script-src 'nonce-a"b' 'nonce-made-here'`);
	});

	test('none when no policy restricts scripts; the headers are unchanged', () => {
		expect(adjust(undefined)).toEqual({ nonce: undefined, enforced: undefined, reportOnly: undefined });
		expect(adjust("img-src 'self'; frame-ancestors 'none'")).toMatchObject({ nonce: undefined, enforced: "img-src 'self'; frame-ancestors 'none'" });
	});
});

describe('policies that would block the tag', () => {
	test('a hash-based strict policy gets a nonce of ours, given to the tag too', () => {
		const result = adjust("script-src 'sha256-AAAA' 'strict-dynamic'; object-src 'none'");
		expect(result.nonce).toBe('made-here');
		expect(result.enforced).toBe("script-src 'sha256-AAAA' 'strict-dynamic' 'nonce-made-here'; object-src 'none'");
	});

	test("'strict-dynamic' ignores 'self', so even a same-origin script needs the nonce", () => {
		expect(adjust("script-src 'self' 'strict-dynamic' 'sha256-AAAA'").enforced).toContain("'nonce-made-here'");
	});

	test('a default-src fallback gets its own script-src (and connect-src), so styles and images keep their rules', () => {
		expect(adjust("default-src 'none'").enforced).toBe("default-src 'none'; script-src 'nonce-made-here'; connect-src 'self'");
		expect(adjust("default-src https://cdn.example.com").enforced).toBe(
			"default-src https://cdn.example.com; script-src https://cdn.example.com 'nonce-made-here'; connect-src https://cdn.example.com 'self'",
		);
	});

	test("a list relying on 'unsafe-inline' gets the script's origin instead of a nonce, which would switch it off", () => {
		expect(adjust("script-src 'unsafe-inline' https://cdn.example.com").enforced).toBe(
			"script-src 'unsafe-inline' https://cdn.example.com 'self'",
		);
		expect(adjust("script-src 'unsafe-inline'", undefined, otherOrigin).enforced).toBe(
			"script-src 'unsafe-inline' https://collector.example.com",
		);
	});

	test('a collector on another origin is added to connect-src where the post would be blocked', () => {
		expect(adjust("script-src 'nonce-n'; connect-src 'self'", undefined, otherOrigin).enforced).toBe(
			"script-src 'nonce-n'; connect-src 'self' https://collector.example.com",
		);
		expect(adjust("script-src 'nonce-n'; connect-src https://collector.example.com", undefined, otherOrigin).enforced).toBe(
			"script-src 'nonce-n'; connect-src https://collector.example.com",
		);
	});

	test('nothing changes where the script is already allowed', () => {
		for (const policy of ["script-src 'self'; connect-src 'self'", 'script-src *', "script-src 'unsafe-inline' 'self'"]) {
			expect(adjust(policy)).toEqual({ nonce: undefined, enforced: policy, reportOnly: undefined });
		}
		const allowed = 'script-src https://collector.example.com/; connect-src https:';
		expect(adjust(allowed, undefined, otherOrigin).enforced).toBe(allowed);
	});
});

describe('several policies', () => {
	test('comma-separated policies are each made to allow the tag, with the one nonce', () => {
		const result = adjust("script-src 'nonce-first', script-src 'sha256-AAAA'");
		expect(result.nonce).toBe('first');
		expect(result.enforced).toBe("script-src 'nonce-first', script-src 'sha256-AAAA' 'nonce-first'");
	});

	test('a report-only policy gets the same treatment, so it reports nothing about the tag', () => {
		const result = adjust("script-src 'nonce-enforced'", "script-src 'sha256-AAAA'");
		expect(result).toEqual({ nonce: 'enforced', enforced: "script-src 'nonce-enforced'", reportOnly: "script-src 'sha256-AAAA' 'nonce-enforced'" });
	});

	test('directive names are case-insensitive and the first of two same-named directives counts', () => {
		expect(adjust("SCRIPT-SRC 'nonce-upper'; script-src 'nonce-second'").nonce).toBe('upper');
	});
});

test('made nonces are 24 base64 characters and differ each time', () => {
	const nonces = new Set(Array.from({ length: 20 }, randomNonce));
	expect(nonces.size).toBe(20);
	for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{24}$/);
});
