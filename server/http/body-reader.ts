import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors/http-error.js';

/**
 * Reads a request body of at most `maxBytes`, then answers `then(body, context)` (its throw a rejection): the
 * route's next step without a closure of its own per request. Refusals, as JSON error answers:
 * - 413 `body_too_large` as soon as the declared `Content-Length` or the bytes received pass `maxBytes`, before
 *   the rest is read (the stream is paused, and the answer closes the connection, see `answerClosesConnection`);
 * - 400 `body_length_mismatch` when the body ends short of its `Content-Length`;
 * - 400 `request_aborted` when the client goes away before the end, or went away before the read began.
 * At most `maxBytes` (plus one chunk) is held per request.
 */
export function readBodyThen<C, R>(
	req: IncomingMessage,
	maxBytes: number,
	then: (body: Buffer, context: C) => R | Promise<R>,
	context: C,
): Promise<R> {
	const declared = req.headers['content-length'];
	// As raw-body read it: the leading digits, whatever follows (Node's parser refuses malformed lengths anyway).
	const length = declared === undefined ? Number.NaN : Number.parseInt(declared, 10);
	if (length > maxBytes) {
		req.pause();
		return Promise.reject(tooLarge(maxBytes));
	}
	// A request destroyed while its route waited (a session check, Redis) sends no more events to wait for.
	if (req.destroyed) return Promise.reject(aborted());
	return new Promise<R>((resolve, reject) => {
		// Typed loosely in the read: the listeners below serve every request, whatever its body turns into.
		const next = then as (body: Buffer, context: unknown) => unknown;
		const settle = resolve as (value: unknown) => void;
		(req as ReadingRequest)[bodyRead] = new BodyRead(maxBytes, Number.isNaN(length) ? -1 : length, next, context, settle, reject);
		req.on('data', onData);
		req.on('end', onEnd);
		// Node ends an aborted request with 'close' ('error' only reaches listeners, and 'aborted' is deprecated).
		req.on('close', onClose);
	});
}

/** One body being read: its chunks so far, and what to do at its end. */
class BodyRead {
	first: Buffer | undefined = undefined;
	more: Buffer[] | undefined = undefined;
	received = 0;
	done = false;

	constructor(
		readonly maxBytes: number,
		/** The declared `Content-Length`; -1 without one (chunked). */
		readonly length: number,
		readonly then: (body: Buffer, context: unknown) => unknown,
		readonly context: unknown,
		readonly resolve: (value: unknown) => void,
		readonly reject: (error: unknown) => void,
	) {}

	fail(error: HttpError): void {
		this.done = true;
		this.first = this.more = undefined;
		this.reject(error);
	}
}

// The listeners are shared by every request and find the read on the request itself, rather than being closures
// made per request; once it is done they ignore whatever comes (and go with the request), not removed one by one.
const bodyRead = Symbol('bodyRead');
type ReadingRequest = IncomingMessage & { [bodyRead]: BodyRead };

function onData(this: IncomingMessage, chunk: Buffer): void {
	const read = (this as ReadingRequest)[bodyRead];
	if (read.done) return;
	read.received += chunk.length;
	if (read.received > read.maxBytes) {
		this.pause();
		read.fail(tooLarge(read.maxBytes));
	} else if (read.first === undefined) {
		read.first = chunk;
	} else {
		(read.more ??= [read.first]).push(chunk);
	}
}

function onEnd(this: IncomingMessage): void {
	const read = (this as ReadingRequest)[bodyRead];
	if (read.done) return;
	if (read.length !== -1 && read.received !== read.length) {
		read.fail(new HttpError(400, 'body_length_mismatch', 'the body length does not match its Content-Length'));
		return;
	}
	read.done = true;
	const body = read.more === undefined ? (read.first ?? Buffer.alloc(0)) : Buffer.concat(read.more, read.received);
	read.first = read.more = undefined;
	let answer: unknown;
	try {
		answer = read.then(body, read.context);
	} catch (error) {
		read.reject(error);
		return;
	}
	read.resolve(answer);
}

function onClose(this: IncomingMessage): void {
	const read = (this as ReadingRequest)[bodyRead];
	if (!read.done) read.fail(aborted());
}

function aborted(): HttpError {
	return new HttpError(400, 'request_aborted', 'the client closed the request before its body arrived');
}

function tooLarge(maxBytes: number): HttpError {
	return new HttpError(413, 'body_too_large', `the body is larger than ${maxBytes} bytes`);
}
