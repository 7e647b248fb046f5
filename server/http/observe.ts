import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { isHttpError } from '../errors/http-error.js';
import type { Logger } from '../logger.js';
import type { CollectorMetrics } from '../metrics.js';

/**
 * The outermost middleware: gives each request an id, turns errors into the JSON error answer, and counts the
 * outcome. An `HttpError` is the client's to read; anything else is a bug: a 500 naming the request id, with
 * the stack in the log and never in the answer.
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
			if (isHttpError(error)) {
				ctx.set(error.headers);
				ctx.status = error.status;
				ctx.body = error.toJSON();
				if (error.status >= 500) logger.warn({ requestId, code: error.code, path: ctx.path }, error.message);
			} else if (isExposedClientError(error)) {
				// Koa's and the router's own refusals (a malformed URL, say) carry a status and a safe message.
				ctx.status = error.status;
				ctx.body = { error: { code: 'bad_request', message: error.message } };
			} else {
				logger.error({ requestId, path: ctx.path, err: error }, 'unexpected error');
				ctx.status = 500;
				ctx.body = { error: { code: 'internal_error', message: `unexpected error; request id ${requestId}` } };
			}
		}
		const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
		const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
		metrics.requests.inc({ route, method: ctx.method, status: ctx.status });
		metrics.requestSeconds.observe({ route }, seconds);
		if (logger.isLevelEnabled('debug')) {
			logger.debug({ requestId, method: ctx.method, route, status: ctx.status, ms: seconds * 1000 }, 'request');
		}
	};
}

function isExposedClientError(error: unknown): error is { status: number; message: string } {
	const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
	return typeof status === 'number' && status >= 400 && status < 500 && expose === true;
}
