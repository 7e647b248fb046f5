import { describe, expect, test } from 'vitest';
import { HtmlInjector, type InjectionOutcome, maxHeldBytes } from '../../server/inject/html-injector.js';
import { isBridgeScript, resolveScriptTag } from '../../server/inject/script-tag.js';

const tag = '<script data-test-tag></script>';
const scriptTag = resolveScriptTag({}, 'test');

/** Runs `chunks` (strings as latin1, or bytes) through an injector; resolves with its output and outcome. */
async function inject(chunks: (string | Buffer)[]): Promise<{ bytes: Buffer; html: string; outcome: InjectionOutcome | undefined }> {
	let outcome: InjectionOutcome | undefined;
	const injector = new HtmlInjector({
		tagHtml: tag,
		isBridgeScript: (attrs) => isBridgeScript(scriptTag, attrs),
		onOutcome: (reported) => {
			expect(outcome, 'one outcome per page').toBeUndefined();
			outcome = reported;
		},
	});
	const output: Buffer[] = [];
	injector.on('data', (chunk: Buffer) => output.push(chunk));
	const ended = new Promise((resolve) => injector.on('end', resolve));
	for (const chunk of chunks) injector.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
	injector.end();
	await ended;
	const bytes = Buffer.concat(output);
	return { bytes, html: bytes.toString('latin1'), outcome };
}

describe('where the tag goes', () => {
	test('before </head>', async () => {
		const { html, outcome } = await inject(['<!doctype html><html><head><title>T</title></head><body><p>x</p></body></html>']);
		expect(html).toBe(`<!doctype html><html><head><title>T</title>${tag}</head><body><p>x</p></body></html>`);
		expect(outcome).toBe('injected');
	});

	test('right after <body> when the page has no head', async () => {
		const { html } = await inject(['<!doctype html><html><body class="home"><p>x</p></body></html>']);
		expect(html).toBe(`<!doctype html><html><body class="home">${tag}<p>x</p></body></html>`);
	});

	test('before the first tag that opens the body when there is neither </head> nor <body>', async () => {
		const { html } = await inject(['<!doctype html><meta charset="utf-8"><title>T</title><main>x</main>']);
		expect(html).toBe(`<!doctype html><meta charset="utf-8"><title>T</title>${tag}<main>x</main>`);
	});

	test('at the end of a page without any element, never before its doctype', async () => {
		const { html, outcome } = await inject(['<!doctype html>\n', 'just some text']);
		expect(html).toBe(`<!doctype html>\njust some text${tag}`);
		expect(outcome).toBe('injected');
	});

	test('an empty page gets the tag alone', async () => {
		expect((await inject([])).html).toBe(tag);
	});

	test('upper-case tags are the same tags', async () => {
		const { html } = await inject(['<HTML><HEAD><TITLE>T</TITLE></HEAD><BODY>x</BODY></HTML>']);
		expect(html).toBe(`<HTML><HEAD><TITLE>T</TITLE>${tag}</HEAD><BODY>x</BODY></HTML>`);
	});

	test('"</head>" inside a script, a style, a title, a comment or an attribute is text, not the end of the head', async () => {
		const head =
			'<head><script>document.write("</head><body>")</script><style>/* </head> */</style><title></head></title>' +
			'<!-- </head><body> --><meta content="</head>">';
		const { html } = await inject([`${head}</head><body>x</body>`]);
		expect(html).toBe(`${head}${tag}</head><body>x</body>`);
	});

	test('tags inside <noscript> and <template> in the head do not open the body', async () => {
		const head = '<head><noscript><img src="/pixel.gif"></noscript><template><div></div></head><body></template>';
		const { html } = await inject([`${head}<link rel="x"></head><body>x`]);
		expect(html).toBe(`${head}<link rel="x">${tag}</head><body>x`);
	});

	test('</head> split across chunks, at every position, gives the same page', async () => {
		const page = '<!doctype html><html><head><title>T</title></head><body>x</body></html>';
		const expected = `<!doctype html><html><head><title>T</title>${tag}</head><body>x</body></html>`;
		const splitStart = page.indexOf('</head>') - 3;
		for (let at = splitStart; at <= splitStart + '</head>'.length + 3; at++) {
			expect((await inject([page.slice(0, at), page.slice(at)])).html, `split at ${at}`).toBe(expected);
		}
	});

	test('a page arriving one byte at a time gets the same result', async () => {
		const page = '<html><head><!-- c --><script>if (a < b) {}</script></head><body>x</body></html>';
		const { html } = await inject([...page]);
		expect(html).toBe(page.replace('</head>', `${tag}</head>`));
	});
});

describe('pages left as they are', () => {
	test('a head that already loads the script (any origin, any attribute order, upper case)', async () => {
		for (const existing of [
			'<script async src="/plugins/public/blueconic/sdk.js"></script>',
			'<SCRIPT data-consent="required" SRC="https://collector.example.com/plugins/public/blueconic/sdk.js?v=2"></SCRIPT>',
			'<script data-endpoint="/plugins/public/blueconic/segments">/* the inline snippet */</script>',
		]) {
			const page = `<html><head>${existing}</head><body>x</body></html>`;
			const { html, outcome } = await inject([page]);
			expect(html).toBe(page);
			expect(outcome).toBe('already_present');
		}
	});

	test('another script does not count as ours', async () => {
		const page = '<html><head><script src="/js/sdk.js"></script></head><body>x</body></html>';
		expect((await inject([page])).outcome).toBe('injected');
	});

	test('a UTF-16 page (byte-order mark) passes through byte for byte', async () => {
		const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html><head></head></html>', 'utf16le')]);
		const result = await inject([bytes]);
		expect(result.bytes.equals(bytes)).toBe(true);
		expect(result.outcome).toBe('no_injection_point');
	});

	test(`a token held open past ${maxHeldBytes} bytes makes it give up and pass the page on unchanged`, async () => {
		const page = `<html><head><!-- ${'x'.repeat(maxHeldBytes + 100_000)} --></head><body>x</body></html>`;
		const chunks = Array.from({ length: Math.ceil(page.length / 65_536) }, (_, index) => page.slice(index * 65_536, (index + 1) * 65_536));
		const result = await inject(chunks);
		// Not toBe: a failure would print megabytes.
		expect(result.html.length).toBe(page.length);
		expect(result.html === page).toBe(true);
		expect(result.outcome).toBe('no_injection_point');
	});
});

describe('the bytes', () => {
	test('come out exactly as they went in, whatever the charset (UTF-8, windows-1252, invalid sequences)', async () => {
		const head = Buffer.from('<html><head><title>caf\u00e9 \u2014 \ud83d\ude00</title>', 'utf8');
		const rest = Buffer.from([0x3c, 0x2f, 0x68, 0x65, 0x61, 0x64, 0x3e, 0xe9, 0x80, 0xc3, 0xff, 0x0d, 0x0a]); // </head>, stray bytes, CRLF
		const { bytes } = await inject([head.subarray(0, 20), head.subarray(20), rest]);
		expect(bytes.equals(Buffer.concat([head, Buffer.from(tag), rest]))).toBe(true);
	});

	test('after the tag, the rest passes through in the chunks it came in', async () => {
		const injector = new HtmlInjector({ tagHtml: tag, isBridgeScript: () => false });
		const output: Buffer[] = [];
		injector.on('data', (chunk: Buffer) => output.push(chunk));
		injector.write(Buffer.from('<head></head><body>'));
		const later = Buffer.from('</head> is text here, never read again');
		injector.write(later);
		injector.end();
		await new Promise((resolve) => injector.on('end', resolve));
		expect(output.at(-1)).toBe(later);
	});
});
