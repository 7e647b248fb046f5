import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import type { CollectorMetrics } from '../metrics.js';
import { errorAnswer } from './answer.js';

/**
 * The outermost middleware of the Koa routes: gives each request an id, turns errors into the JSON error
 * answer (see `errorAnswer`), and counts the outcome.
 */
export function observe(metrics: CollectorMetrics, logger: Logger): Middleware {
	return async (ctx, next) => {
		const startedAt = process.hrtime.bigint();
		const requestId = randomUUID();
		ctx.set('X-Request-Id', requestId);
		try {
			await next();
			if (ctx.status === 404 && ctx.body === undefined) {
				ctx.status = 404;
				ctx.body = { error: { code: 'not_found', message: `nothing at ${ctx.method} ${ctx.path.slice(0, 200)}` } };
			}
		} catch (error) {
			const answer = errorAnswer(error, requestId, ctx.path, logger);
			if (answer.headers) ctx.set(answer.headers);
			ctx.status = answer.status;
			ctx.body = answer.json;
		}
		const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
		metrics.observeRequest(route, ctx.method, ctx.status, startedAt);
	};
}
