import type Router from '@koa/router';
import { HttpError } from '../errors/http-error.js';
import { paths } from '../http/paths.js';
import type { CollectorParts } from './parts.js';

/** For operators: a health check for load balancers and Prometheus metrics behind an API key. */
export function opsRoutes(router: Router, { apiKeys, metrics, isDraining }: CollectorParts): void {
	router.get(paths.health, (ctx) => {
		// While shutting down, answer 503 so load balancers stop sending new visitors here.
		if (isDraining()) throw new HttpError(503, 'shutting_down', 'this collector is shutting down');
		ctx.set('Cache-Control', 'no-store');
		ctx.body = { status: 'ok' };
	});

	router.get(paths.metrics, async (ctx) => {
		apiKeys.require(ctx);
		ctx.type = metrics.registry.contentType;
		ctx.body = await metrics.registry.metrics();
	});
}
