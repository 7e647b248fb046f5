import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Router from '@koa/router';
import { HttpError } from '../errors/http-error.js';
import { chooseContentCoding, type ContentCoding } from '../http/accept-encoding.js';
import { paths } from '../http/paths.js';
import { precompress } from '../http/precompressed.js';
import { packageRoot } from '../utils/package-root.js';
import type { CollectorParts } from './parts.js';

/** Where `npm run build` puts the script-tag build. */
export function defaultSdkScriptPath(): string {
	return join(packageRoot(), 'dist', 'sdk', 'blueconic-bridge.min.js');
}

/**
 * Serves the script-tag build, compressed once at start (brotli or gzip, as the browser accepts). The URL carries
 * no version, so caches keep it five minutes and then revalidate with its ETag (a 304 costs a round trip but no
 * bytes); a new build reaches every page within minutes.
 */
export function sdkRoutes(router: Router, { logger }: CollectorParts, scriptPath: string): void {
	const script = readScript(scriptPath);
	if (script === undefined) logger.warn({ scriptPath }, 'the SDK script is not built (npm run build); sdk.js answers 404');
	const representations = script && precompress(script);
	const codings = new Set<ContentCoding>(representations?.keys());

	router.get(paths.sdkScript, (ctx) => {
		const chosen = representations?.get(chooseContentCoding(ctx.get('Accept-Encoding') || undefined, codings));
		if (chosen === undefined) throw new HttpError(404, 'sdk_not_built', 'the SDK script has not been built');
		ctx.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
		ctx.vary('Accept-Encoding');
		ctx.set('ETag', chosen.etag);
		ctx.set('Access-Control-Allow-Origin', '*');
		ctx.status = 200; // Koa judges freshness only on a 2xx
		if (ctx.fresh) {
			ctx.status = 304;
			return;
		}
		ctx.type = 'text/javascript; charset=utf-8';
		if (chosen.coding !== 'identity') ctx.set('Content-Encoding', chosen.coding);
		ctx.body = chosen.bytes;
	});
}

function readScript(path: string): Buffer | undefined {
	try {
		return readFileSync(path);
	} catch {
		return undefined;
	}
}
