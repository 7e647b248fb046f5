import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { type HttpError, isHttpError } from '../errors/http-error.js';
import type { Logger } from '../logger.js';
import { capText } from '../utils/cap-text.js';

/**
 * An HTTP answer as data, free of any framework: what browser routes and the profile-sync webhook return,
 * sent by `writeAnswer` (node:http) or `setAnswer` (Koa).
 */
export interface Answer {
	readonly status: number;
	readonly headers?: Readonly<Record<string, string>>;
	/** Serialised as JSON. Absent (and no `json`): no body (204, 304). */
	readonly body?: unknown;
	/** The body already serialised, in place of `body`: what a hot route builds by hand (see routes/decision.ts). */
	readonly json?: string;
}

/** The answer for a refusal: the error's status, JSON body and headers. */
export function httpErrorAnswer(error: HttpError): Answer {
	return { status: error.status, headers: error.headers, body: error.toJSON() };
}

/**
 * The answer for an error. An `HttpError` is the client's to read; anything else is a bug: a 500 naming the
 * request id, with the stack in the log and never in the answer. `route` is the route's template, never a raw
 * path (it may hold a session id).
 */
export function errorAnswer(error: unknown, requestId: string, route: string, logger: Logger): Answer {
	if (isHttpError(error)) {
		if (error.status >= 500) logger.warn({ requestId, code: error.code, route }, capText(error.message, 500));
		return httpErrorAnswer(error);
	}
	if (isExposedClientError(error)) {
		// Koa's and the router's own refusals (a malformed URL, say) carry a status and a safe message.
		return { status: error.status, body: { error: { code: 'bad_request', message: error.message } } };
	}
	logger.error({ requestId, route, err: error }, 'unexpected error');
	return { status: 500, body: { error: { code: 'internal_error', message: `unexpected error; request id ${requestId}` } } };
}

const jsonContentType = 'application/json; charset=utf-8';

/**
 * Writes an answer in one `writeHead`, with `baseHeaders` (name, value, name, value, ...) before the answer's
 * own. A flat list and one call cost less than header-by-header `setHeader` on the hot paths.
 */
export function writeAnswer(res: ServerResponse, { status, headers, body, json }: Answer, baseHeaders: string[]): void {
	if (headers) for (const name in headers) baseHeaders.push(name, headers[name] as string);
	if (body === undefined && json === undefined) {
		res.writeHead(status, baseHeaders).end();
	} else {
		const text = json ?? JSON.stringify(body);
		// Headers given to writeHead are final: without a Content-Length, Node would send the body chunked.
		baseHeaders.push('Content-Type', jsonContentType, 'Content-Length', String(Buffer.byteLength(text)));
		res.writeHead(status, baseHeaders).end(text);
	}
}

/** Puts an answer on a Koa context (Koa serialises the body). */
export function setAnswer(ctx: Context, { status, headers, body, json }: Answer): void {
	if (headers) ctx.set(headers);
	ctx.status = status;
	if (json === undefined) {
		ctx.body = body;
	} else {
		ctx.body = json;
		ctx.type = jsonContentType;
	}
}

function isExposedClientError(error: unknown): error is { status: number; message: string } {
	const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
	return typeof status === 'number' && status >= 400 && status < 500 && expose === true;
}
