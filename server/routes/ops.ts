import type Router from '@koa/router';
import { HttpError } from '../errors/http-error.js';
import { paths } from '../http/paths.js';
import type { CollectorParts } from './parts.js';

/** For operators: liveness and readiness probes, and Prometheus metrics behind an API key. */
export function opsRoutes(router: Router, { settings, metrics, readiness, isDraining }: CollectorParts): void {
	// Liveness: 200 while the process serves HTTP at all, draining or not, Redis or not. A restart would not help.
	router.get(paths.health, (ctx) => {
		ctx.set('Cache-Control', 'no-store');
		ctx.body = { status: 'ok' };
	});

	// Readiness: 503 while draining (load balancers stop sending visitors here) or while a part it needs is down.
	router.get(paths.ready, async (ctx) => {
		ctx.set('Cache-Control', 'no-store');
		if (isDraining()) throw new HttpError(503, 'shutting_down', 'this collector is shutting down');
		const { ready, checks } = await readiness.report();
		if (ready) {
			ctx.body = { status: 'ready', checks };
			return;
		}
		const failing = Object.keys(checks).filter((name) => checks[name] === 'failing');
		ctx.status = 503;
		ctx.body = { error: { code: 'not_ready', message: `this collector cannot serve: ${failing.join(', ')} failing` }, checks };
	});

	router.get(paths.metrics, async (ctx) => {
		settings().apiKeys.require(ctx);
		ctx.type = metrics.registry.contentType;
		ctx.body = await metrics.registry.metrics();
	});
}
