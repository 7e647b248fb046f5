import { Transform, type TransformCallback } from 'node:stream';
import { RewritingStream } from 'parse5-html-rewriting-stream';

/** How one page came out: the tag inserted, the page's own tag found first, or no place found for it. */
export type InjectionOutcome = 'injected' | 'already_present' | 'no_injection_point';

export interface HtmlInjectorOptions {
	/** The HTML to insert. */
	tagHtml: string;
	/** Whether a `<script>` start tag already loads the SDK (the page is then left as it is). */
	isBridgeScript(attrs: readonly { name: string; value: string }[]): boolean;
	onOutcome?(outcome: InjectionOutcome): void;
}

/**
 * Text an unfinished token (an unclosed comment, a tag with a huge attribute) may hold back before the injector
 * gives up on the page and passes it on unchanged: the bound on what one page costs in memory here.
 */
export const maxHeldBytes = 1024 * 1024;

/** How much of a chunk the tokenizer is given at a time while it looks for the place. */
const scanSliceBytes = 4096;

/** Start tags that belong in `<head>`; any other start tag opens the body, with or without a `<body>` tag. */
const headTagNames = new Set([
	'html', 'head', 'base', 'basefont', 'bgsound', 'link', 'meta', 'noscript', 'script', 'style', 'template', 'title',
]);

type Place = { kind: 'insert'; at: number } | { kind: 'leave' };

/**
 * Inserts the script tag into an HTML byte stream: before `</head>`; else right after `<body>`; else before the
 * first tag that opens the body; else at the end. A page whose head already loads the SDK is passed on unchanged.
 *
 * parse5's tokenizer (with its tree-construction feedback, so `<script>`, `<style>`, `<title>`, `<noscript>`,
 * comments and the like are read as browsers read them) only says where the tags are; the bytes passed on are
 * the page's own, sliced at those offsets. Once the place is found, the tokenizer stops and the rest of the page
 * passes through as it arrives, so a large page costs no more to scan than its head.
 *
 * Bytes are read as latin1, one character per byte: tags are ASCII in every charset this handles (UTF-8 and the
 * single-byte ones), and the bytes come out exactly as they went in, whatever the page's charset.
 */
export class HtmlInjector extends Transform {
	readonly #options: HtmlInjectorOptions;
	readonly #tokenizer = new RewritingStream();
	readonly #tagBytes: Buffer;
	/** Page bytes received and not passed on yet, and the page offset of the first. */
	#held: Buffer = Buffer.alloc(0);
	#heldFrom = 0;
	/** The end of the last token the tokenizer reported: bytes before it cannot hold the insertion place. */
	#tokensEnd = 0;
	#templateDepth = 0;
	#place: Place | undefined;
	#passingThrough = false;
	#firstChunk = true;

	constructor(options: HtmlInjectorOptions) {
		super();
		this.#options = options;
		this.#tagBytes = Buffer.from(options.tagHtml, 'latin1');
		this.#tokenizer.on('startTag', (tag) => this.#onStartTag(tag.tagName, tag.attrs, tag.sourceCodeLocation));
		this.#tokenizer.on('endTag', (tag) => this.#onEndTag(tag.tagName, tag.sourceCodeLocation));
		// With a listener for every token, the rewriter copies nothing into its own output (nobody reads it).
		for (const event of ['text', 'comment', 'doctype'] as const) {
			this.#tokenizer.on(event, (token: { sourceCodeLocation?: Location | null }) => this.#onToken(token.sourceCodeLocation));
		}
	}

	override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
		if (this.#passingThrough) {
			callback(null, chunk);
			return;
		}
		if (this.#firstChunk) {
			this.#firstChunk = false;
			// A UTF-16 page (byte-order mark) is not ASCII-compatible: its tags cannot be found this way.
			if (chunk.length >= 2 && ((chunk[0] === 0xfe && chunk[1] === 0xff) || (chunk[0] === 0xff && chunk[1] === 0xfe))) {
				this.#finish('no_injection_point');
				callback(null, chunk);
				return;
			}
		}
		this.#held = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
		// In slices, so that a chunk whose head is short costs no more than its head (the tokenizer stops there).
		// Synchronous: every token complete in a slice is reported before `_transformChunk` returns.
		for (let at = 0; at < chunk.length && this.#place === undefined; at += scanSliceBytes) {
			this.#tokenizer._transformChunk(chunk.toString('latin1', at, at + scanSliceBytes));
		}
		this.#release();
		callback();
	}

	override _flush(callback: TransformCallback): void {
		if (!this.#passingThrough) {
			// No head, no body, no element: the end of the page is the last place left.
			this.#place = { kind: 'insert', at: this.#heldFrom + this.#held.length };
			this.#release();
		}
		callback();
	}

	/** Passes on what can go out now: everything once the place is found, else the bytes before the last token's end. */
	#release(): void {
		if (this.#place?.kind === 'insert') {
			const at = this.#place.at - this.#heldFrom;
			this.#pushBytes(this.#held.subarray(0, at));
			this.push(this.#tagBytes);
			this.#pushBytes(this.#held.subarray(at));
			this.#finish('injected');
		} else if (this.#place?.kind === 'leave') {
			this.#pushBytes(this.#held);
			this.#finish('already_present');
		} else if (this.#held.length > maxHeldBytes) {
			this.#pushBytes(this.#held);
			this.#finish('no_injection_point');
		} else {
			const releasable = this.#tokensEnd - this.#heldFrom;
			this.#pushBytes(this.#held.subarray(0, releasable));
			this.#held = this.#held.subarray(releasable);
			this.#heldFrom = this.#tokensEnd;
		}
	}

	#pushBytes(bytes: Buffer): void {
		if (bytes.length > 0) this.push(bytes);
	}

	#finish(outcome: InjectionOutcome): void {
		this.#passingThrough = true;
		this.#held = Buffer.alloc(0);
		this.#tokenizer.stop();
		this.#options.onOutcome?.(outcome);
	}

	#onStartTag(name: string, attrs: { name: string; value: string }[], location: Location | null | undefined): void {
		if (this.#place !== undefined || !location) return;
		this.#onToken(location);
		if (name === 'template') this.#templateDepth++;
		// A template's content is inert: a tag placed or found in it would not run.
		if (this.#templateDepth > 0) return;
		if (name === 'script' && this.#options.isBridgeScript(attrs)) this.#decide({ kind: 'leave' });
		else if (name === 'body') this.#decide({ kind: 'insert', at: location.endOffset });
		else if (!headTagNames.has(name)) this.#decide({ kind: 'insert', at: location.startOffset });
	}

	#onEndTag(name: string, location: Location | null | undefined): void {
		if (this.#place !== undefined || !location) return;
		this.#onToken(location);
		if (name === 'template' && this.#templateDepth > 0) this.#templateDepth--;
		else if (name === 'head' && this.#templateDepth === 0) this.#decide({ kind: 'insert', at: location.startOffset });
	}

	#onToken(location: Location | null | undefined): void {
		if (location) this.#tokensEnd = location.endOffset;
	}

	#decide(place: Place): void {
		this.#place = place;
		// Nothing after this token needs reading: the rest of the chunk goes out as it is.
		this.#tokenizer.stop();
	}
}

interface Location {
	startOffset: number;
	endOffset: number;
}
