import { parseContentEncoding, type SupportedEncoding } from './content-encoding.js';

/** Reads one response header as text (several values joined by ", "), undefined when absent. */
export type ReadHeader = (name: string) => string | undefined;

/** Why an answer is passed on unchanged. */
export type SkipReason =
	| 'head_request'
	| 'no_body'
	| 'redirect'
	| 'partial_content'
	| 'not_html'
	| 'attachment'
	| 'no_transform'
	| 'unsupported_encoding'
	| 'unsupported_charset';

export type InjectionPlan =
	| { action: 'inject'; encoding: SupportedEncoding }
	| { action: 'skip'; reason: SkipReason; detail?: string };

/**
 * Whether an answer gets the script tag, from its request method, status and headers alone (the body is not
 * read yet): HTML pages a browser renders, that is `text/html` with a 2xx (but 204, 205, 206) or an error status
 * (4xx, 5xx: error pages are page views too), not a download, in an encoding this can undo and a charset whose tags
 * are ASCII, and not marked `Cache-Control: no-transform` (which proxies must honour).
 */
export function planInjection(method: string | undefined, status: number, readHeader: ReadHeader): InjectionPlan {
	if (method === 'HEAD') return { action: 'skip', reason: 'head_request' };
	if (status < 200 || status === 204 || status === 205 || status === 304) return { action: 'skip', reason: 'no_body' };
	if (status >= 300 && status < 400) return { action: 'skip', reason: 'redirect' };
	if (status === 206 || readHeader('content-range') !== undefined) return { action: 'skip', reason: 'partial_content' };
	const contentType = readHeader('content-type') ?? '';
	const semicolon = contentType.indexOf(';');
	const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
	if (mediaType !== 'text/html') return { action: 'skip', reason: 'not_html' };
	if (/^\s*attachment/i.test(readHeader('content-disposition') ?? '')) return { action: 'skip', reason: 'attachment' };
	if (hasToken(readHeader('cache-control'), 'no-transform')) return { action: 'skip', reason: 'no_transform' };
	const charset = charsetOf(contentType);
	if (charset.startsWith('utf-16') || charset.startsWith('utf-32')) {
		return { action: 'skip', reason: 'unsupported_charset', detail: charset.slice(0, 40) };
	}
	const contentEncoding = readHeader('content-encoding');
	const encoding = parseContentEncoding(contentEncoding);
	if (encoding === undefined) {
		return { action: 'skip', reason: 'unsupported_encoding', detail: (contentEncoding ?? '').slice(0, 40) };
	}
	return { action: 'inject', encoding };
}

/** A strong ETag made weak (`"x"` → `W/"x"`): the body changed, but it means the same as the origin's. */
export function weakenEtag(etag: string): string {
	return etag.startsWith('W/') ? etag : `W/${etag}`;
}

function hasToken(list: string | undefined, token: string): boolean {
	return (list ?? '').split(',').some((item) => item.trim().toLowerCase() === token);
}

/** The lower-cased `charset` parameter of a Content-Type ('' when absent). */
function charsetOf(contentType: string): string {
	for (const parameter of contentType.split(';').slice(1)) {
		const equals = parameter.indexOf('=');
		if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
		return parameter.slice(equals + 1).trim().replaceAll('"', '').toLowerCase();
	}
	return '';
}
