import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline, Writable } from 'node:stream';
import type { Injection } from './injection.js';
import { headerText } from './header-text.js';
import { injectionFromOptions, type ScriptInjectionOptions } from './options.js';

/** A connect-style middleware: node:http (call it before your handler), Express (`app.use`). */
export type NodeInjectionMiddleware = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Adds the SDK's script tag to the HTML pages the rest of the app answers with. In Express:
 * `app.use(scriptInjection())` before the routes. On node:http: `const inject = scriptInjection();` then
 * `createServer((req, res) => { inject(req, res); handle(req, res); })`.
 * Throws a `TypeError` naming a bad option.
 */
export function scriptInjection(options: ScriptInjectionOptions = {}): NodeInjectionMiddleware {
	const injection = injectionFromOptions(options, 'scriptInjection');
	return (req, res, next) => {
		interceptResponse(injection, req, res);
		next?.();
	};
}

type Write = ServerResponse['write'];
type End = ServerResponse['end'];
type WriteHead = ServerResponse['writeHead'];
/** The original methods, called with the argument lists the app gave. */
type AnyWrite = (...args: unknown[]) => boolean;
type AnyEnd = (...args: unknown[]) => ServerResponse;

/**
 * Wraps `res.writeHead`, `write` and `end` of one response. The decision is taken once, when the head is about
 * to go out (whatever writes it first): an answer that is not an HTML page gets the original methods back at
 * once; a page's headers are changed and its bytes are written into the injection stages, whose output goes to
 * the original methods, with back-pressure both ways (the app's `write` returns false and `drain` follows).
 */
export function interceptResponse(injection: Injection, req: IncomingMessage, res: ServerResponse): void {
	const original = { writeHead: res.writeHead, write: res.write, end: res.end };
	let decided = false;
	let input: Writable | undefined;

	const decide = (statusCode: number): void => {
		decided = true;
		res.writeHead = original.writeHead;
		const prepared = injection.prepare(req.method, statusCode, (name) => headerText(res.getHeader(name)));
		if (!prepared.inject) {
			res.write = original.write;
			res.end = original.end;
			return;
		}
		for (const name of prepared.removeHeaders) res.removeHeader(name);
		for (const [name, value] of prepared.setHeaders) res.setHeader(name, value);
		const [first] = prepared.stages;
		input = first;
		pipeline([...prepared.stages, responseSink(res, original)], (error) => {
			// A visitor leaving mid-page is no failure worth a log line.
			if (error && !res.destroyed) injection.noteFailure(error);
			if (error) res.destroy();
		});
		// The app waits for the response's `drain` after a refused write; the first stage's is the one it needs.
		first?.on('drain', () => res.emit('drain'));
		res.once('close', () => {
			if (!res.writableFinished) first?.destroy();
		});
	};

	res.writeHead = function writeHead(this: ServerResponse, statusCode: number, ...rest: unknown[]) {
		const reason = typeof rest[0] === 'string' ? rest[0] : undefined;
		const headers = (reason === undefined ? rest[0] : rest[1]) as OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;
		// Headers given here join the ones set before, so that the decision (and the changes) see them all.
		if (headers !== undefined) setHeaders(res, headers);
		decide(statusCode);
		const writeHead = original.writeHead as (status: number, reason?: string) => ServerResponse;
		return reason === undefined ? writeHead.call(res, statusCode) : writeHead.call(res, statusCode, reason);
	} as WriteHead;

	res.write = function write(this: ServerResponse, ...args: unknown[]) {
		if (!decided) decide(res.statusCode);
		if (input === undefined) return (original.write as AnyWrite).apply(res, args);
		return (input.write as AnyWrite).apply(input, args);
	} as Write;

	res.end = function end(this: ServerResponse, ...args: unknown[]) {
		if (!decided) decide(res.statusCode);
		if (input === undefined) return (original.end as AnyEnd).apply(res, args);
		const callback = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
		if (callback) res.once('finish', callback);
		(input.end as AnyEnd).apply(input, args);
		return res;
	} as End;
}

/** Writes the rewritten page to the response through its original methods, waiting for `drain` when told to. */
function responseSink(res: ServerResponse, original: { write: Write; end: End }): Writable {
	return new Writable({
		write(chunk: Buffer, _encoding, done) {
			if ((original.write as AnyWrite).call(res, chunk)) {
				done();
				return;
			}
			// `drain` is also emitted for the app (see above): wait until the response itself has room.
			const onDrain = (): void => {
				if (res.writableNeedDrain) return;
				res.off('drain', onDrain);
				res.off('close', onDrain);
				done(res.destroyed ? new Error('the response closed before the page was written') : undefined);
			};
			res.on('drain', onDrain);
			res.on('close', onDrain);
		},
		final(done) {
			(original.end as AnyEnd).call(res);
			done();
		},
	});
}

function setHeaders(res: ServerResponse, headers: OutgoingHttpHeaders | OutgoingHttpHeader[]): void {
	if (!Array.isArray(headers)) {
		for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
		return;
	}
	// A flat [name, value, name, value, ...], as Node takes it: its names replace earlier ones, duplicates stay.
	for (let index = 0; index < headers.length; index += 2) res.removeHeader(String(headers[index]));
	for (let index = 0; index < headers.length; index += 2) {
		res.appendHeader(String(headers[index]), headers[index + 1] as string | string[]);
	}
}
