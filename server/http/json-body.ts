import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors/http-error.js';
import { capText } from '../utils/cap-text.js';
import { readBodyThen } from './body-reader.js';

export interface JsonBodyOptions {
	/** Largest body accepted, in bytes; more is a 413 before the rest is read. */
	maxBytes: number;
	/** Accepted media types, lower case, without parameters. */
	mediaTypes: readonly string[];
}

/** Reads a bounded UTF-8 JSON body. 415 for another media type or charset, 413 when too large, 400 when not JSON. */
export function readJsonBody(req: IncomingMessage, options: JsonBodyOptions): Promise<unknown> {
	requireJsonMediaType(req, options.mediaTypes);
	return readBodyThen(req, options.maxBytes, parseJsonBody, undefined);
}

/** Throws the 415 for a body that is not of `mediaTypes`, or not UTF-8. */
export function requireJsonMediaType(req: IncomingMessage, mediaTypes: readonly string[]): void {
	const contentType = req.headers['content-type'] ?? '';
	// What browsers send, exactly: nothing to take apart.
	if (mediaTypes.includes(contentType)) return;
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
}

/** A body's JSON value; 400 when it is not JSON. */
export function parseJsonBody(body: Buffer): unknown {
	return parseJsonText(body.toString('utf8'));
}

/** The JSON value of a body already decoded from UTF-8; 400 when it is not JSON. */
export function parseJsonText(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
	}
}
