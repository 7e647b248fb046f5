import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { HttpError } from '../errors/http-error.js';
import { capText } from '../utils/cap-text.js';

export interface JsonBodyOptions {
	/** Largest body accepted, in bytes; more is a 413 before the rest is read. */
	maxBytes: number;
	/** Accepted media types, lower case, without parameters. */
	mediaTypes: readonly string[];
}

/** Reads a bounded UTF-8 JSON body. 415 for another media type or charset, 413 when too large, 400 when not JSON. */
export async function readJsonBody(req: IncomingMessage, { maxBytes, mediaTypes }: JsonBodyOptions): Promise<unknown> {
	const contentType = req.headers['content-type'] ?? '';
	const parametersAt = contentType.indexOf(';');
	const mediaType = (parametersAt === -1 ? contentType : contentType.slice(0, parametersAt)).trim().toLowerCase();
	if (!mediaTypes.includes(mediaType)) {
		throw new HttpError(
			415,
			'unsupported_media_type',
			`the body must be sent as ${mediaTypes.join(' or ')}${mediaType ? `, not ${capText(mediaType)}` : ''}`,
		);
	}
	// Only the parameters can name a charset; most requests have none to scan.
	const charset =
		parametersAt === -1 ? undefined : /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType.slice(parametersAt))?.[1]?.toLowerCase();
	if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
		throw new HttpError(415, 'unsupported_charset', `the body must be UTF-8, not ${capText(charset, 40)}`);
	}
	let body: Buffer;
	try {
		body = await getRawBody(req, { length: req.headers['content-length'], limit: maxBytes });
	} catch (error) {
		throw bodyReadError(error, maxBytes);
	}
	try {
		return JSON.parse(body.toString('utf8')) as unknown;
	} catch {
		throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
	}
}

function bodyReadError(error: unknown, maxBytes: number): HttpError {
	const type = (error as { type?: string }).type;
	switch (type) {
		case 'entity.too.large':
			return new HttpError(413, 'body_too_large', `the body is larger than ${maxBytes} bytes`);
		case 'request.size.invalid':
			return new HttpError(400, 'body_length_mismatch', 'the body length does not match its Content-Length');
		case 'request.aborted':
			return new HttpError(400, 'request_aborted', 'the client closed the request before its body arrived');
		default:
			return new HttpError(400, 'unreadable_body', 'the body could not be read');
	}
}
