import type { Context } from 'koa';
import { HttpError } from '../errors/http-error.js';
import type { Site } from './sites.js';

/**
 * Browser endpoints take cross-origin requests only from the site's configured origins, with credentials,
 * echoing the exact origin (never `*`, which browsers refuse with credentials anyway). Same-origin requests and
 * requests without an `Origin` (servers, curl) need no CORS headers.
 */
export function allowOrigin(ctx: Context, site: Site): void {
	ctx.vary('Origin');
	const origin = ctx.get('origin');
	if (origin === '' || isSameOrigin(origin, ctx.host)) return;
	if (!site.origins.includes(origin)) {
		throw new HttpError(403, 'origin_not_allowed', `pages on ${truncate(origin)} may not call this endpoint`);
	}
	ctx.set('Access-Control-Allow-Origin', origin);
	ctx.set('Access-Control-Allow-Credentials', 'true');
}

/** Answers a CORS preflight for a browser endpoint. */
export function answerPreflight(ctx: Context, site: Site, methods: string): void {
	allowOrigin(ctx, site);
	ctx.set('Access-Control-Allow-Methods', methods);
	ctx.set('Access-Control-Allow-Headers', 'Content-Type');
	ctx.set('Access-Control-Max-Age', '600');
	ctx.status = 204;
}

function isSameOrigin(origin: string, requestHost: string): boolean {
	// The scheme is not compared: behind a TLS-terminating proxy the collector sees http for an https page.
	const schemeEnd = origin.indexOf('://');
	return schemeEnd !== -1 && origin.slice(schemeEnd + 3).toLowerCase() === requestHost.toLowerCase();
}

function truncate(text: string): string {
	return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
