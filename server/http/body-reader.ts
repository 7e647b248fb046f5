import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors/http-error.js';

/**
 * Reads a request body of at most `maxBytes`, then answers `then(body, context)` (its throw a rejection): the
 * route's next step without a closure of its own per request. Refusals, as JSON error answers:
 * - 413 `body_too_large` as soon as the declared `Content-Length` or the bytes received pass `maxBytes`, before
 *   the rest is read (the stream is paused, and the answer closes the connection, see `answerClosesConnection`);
 * - 400 `body_length_mismatch` when the body ends short of its `Content-Length`;
 * - 400 `request_aborted` when the client goes away before the end.
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
	return new Promise<R>((resolve, reject) => {
		new BodyRead(req, maxBytes, Number.isNaN(length) ? -1 : length, then, context, resolve, reject);
	});
}

/** One body being read: its chunks so far, and what to do at its end. */
class BodyRead<C, R> {
	#first: Buffer | undefined;
	#more: Buffer[] | undefined;
	#received = 0;
	#done = false;

	constructor(
		readonly req: IncomingMessage,
		readonly maxBytes: number,
		/** The declared `Content-Length`; -1 without one (chunked). */
		readonly length: number,
		readonly then: (body: Buffer, context: C) => R | Promise<R>,
		readonly context: C,
		readonly resolve: (value: R | Promise<R>) => void,
		readonly reject: (error: unknown) => void,
	) {
		req.on('data', this.#onData);
		req.on('end', this.#onEnd);
		req.on('aborted', this.#onAborted);
		req.on('error', this.#onAborted);
		req.on('close', this.#onAborted);
	}

	readonly #onData = (chunk: Buffer): void => {
		if (this.#done) return;
		this.#received += chunk.length;
		if (this.#received > this.maxBytes) {
			this.req.pause();
			this.#fail(tooLarge(this.maxBytes));
		} else if (this.#first === undefined) {
			this.#first = chunk;
		} else {
			(this.#more ??= [this.#first]).push(chunk);
		}
	};

	readonly #onEnd = (): void => {
		if (this.#done) return;
		if (this.length !== -1 && this.#received !== this.length) {
			this.#fail(new HttpError(400, 'body_length_mismatch', 'the body length does not match its Content-Length'));
			return;
		}
		this.#finish();
		const body = this.#more === undefined ? (this.#first ?? Buffer.alloc(0)) : Buffer.concat(this.#more, this.#received);
		this.#first = this.#more = undefined;
		let answer: R | Promise<R>;
		try {
			answer = this.then(body, this.context);
		} catch (error) {
			this.reject(error);
			return;
		}
		this.resolve(answer);
	};

	readonly #onAborted = (): void => {
		if (this.#done) return;
		this.#fail(new HttpError(400, 'request_aborted', 'the client closed the request before its body arrived'));
	};

	#fail(error: HttpError): void {
		this.#finish();
		this.#first = this.#more = undefined;
		this.reject(error);
	}

	#finish(): void {
		this.#done = true;
		const req = this.req;
		req.off('data', this.#onData);
		req.off('end', this.#onEnd);
		req.off('aborted', this.#onAborted);
		req.off('error', this.#onAborted);
		req.off('close', this.#onAborted);
	}
}

function tooLarge(maxBytes: number): HttpError {
	return new HttpError(413, 'body_too_large', `the body is larger than ${maxBytes} bytes`);
}
