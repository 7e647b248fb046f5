import { HttpError } from '../errors/http-error.js';
import type { Site } from './sites.js';

/** No extra headers: shared, frozen, so that the common case allocates nothing. */
export const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Browser endpoints take cross-origin requests only from the site's configured origins, with credentials,
 * echoing the exact origin (never `*`, which browsers refuse with credentials anyway). Same-origin requests and
 * requests without an `Origin` (servers, curl) need no CORS headers. Throws 403 for any other origin.
 */
export function corsHeadersFor(site: Site, origin: string | undefined, hostHeader: string | undefined): Readonly<Record<string, string>> {
	if (origin === undefined || origin === '' || isSameOrigin(origin, hostHeader ?? '')) return noHeaders;
	if (!site.origins.includes(origin)) {
		throw new HttpError(403, 'origin_not_allowed', `pages on ${truncate(origin)} may not call this endpoint`);
	}
	return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' };
}

/** The extra headers of a CORS preflight answer for a browser endpoint taking `methods`. */
export function preflightHeaders(methods: string): Readonly<Record<string, string>> {
	return { 'Access-Control-Allow-Methods': methods, 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' };
}

function isSameOrigin(origin: string, hostHeader: string): boolean {
	// The scheme is not compared: behind a TLS-terminating proxy the collector sees http for an https page.
	const schemeEnd = origin.indexOf('://');
	return schemeEnd !== -1 && origin.slice(schemeEnd + 3).toLowerCase() === hostHeader.toLowerCase();
}

function truncate(text: string): string {
	return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
