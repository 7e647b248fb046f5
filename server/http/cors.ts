import { HttpError } from '../errors/http-error.js';
import type { Site } from './sites.js';

/**
 * Browser endpoints take cross-origin requests only from the site's configured origins, with credentials,
 * echoing the exact origin (never `*`, which browsers refuse with credentials anyway). Returns the origin to
 * echo, or `undefined` for same-origin requests and requests without an `Origin` (servers, curl), which need no
 * CORS headers. Throws 403 for any other origin.
 */
export function allowedCorsOrigin(site: Site, origin: string | undefined, hostHeader: string | undefined): string | undefined {
	if (origin === undefined || origin === '' || isSameOrigin(origin, hostHeader ?? '')) return undefined;
	if (!site.origins.includes(origin)) {
		throw new HttpError(403, 'origin_not_allowed', `pages on ${truncate(origin)} may not call this endpoint`);
	}
	return origin;
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
