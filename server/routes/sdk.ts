import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Router from '@koa/router';
import { HttpError } from '../errors/http-error.js';
import { paths } from '../http/paths.js';
import { packageRoot } from '../utils/package-root.js';
import type { CollectorParts } from './parts.js';

/** Where `npm run build` puts the script-tag build. */
export function defaultSdkScriptPath(): string {
	return join(packageRoot(), 'dist', 'sdk', 'blueconic-bridge.min.js');
}

/**
 * Serves the script-tag build. The URL carries no version, so caches keep it five minutes and then revalidate
 * with its ETag (a 304 costs a round trip but no bytes); a new build reaches every page within minutes.
 */
export function sdkRoutes(router: Router, { logger }: CollectorParts, scriptPath: string): void {
	const script = readScript(scriptPath);
	if (script === undefined) logger.warn({ scriptPath }, 'the SDK script is not built (npm run build); sdk.js answers 404');
	const etag = script && `"${createHash('sha256').update(script).digest('base64url').slice(0, 27)}"`;

	router.get(paths.sdkScript, (ctx) => {
		if (script === undefined || etag === undefined) throw new HttpError(404, 'sdk_not_built', 'the SDK script has not been built');
		ctx.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
		ctx.set('ETag', etag);
		ctx.set('Access-Control-Allow-Origin', '*');
		ctx.status = 200; // Koa judges freshness only on a 2xx
		if (ctx.fresh) {
			ctx.status = 304;
			return;
		}
		ctx.type = 'text/javascript; charset=utf-8';
		ctx.body = script;
	});
}

function readScript(path: string): Buffer | undefined {
	try {
		return readFileSync(path);
	} catch {
		return undefined;
	}
}
