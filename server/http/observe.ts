import { performance } from 'node:perf_hooks';
import type { Context, Middleware } from 'koa';
import { capText } from '../utils/cap-text.js';
import type { CollectorParts } from '../routes/parts.js';
import { errorAnswer, setAnswer } from './answer.js';
import { errorCodeOf, logAnsweredRequest } from './request-log.js';
import { nextRequestId } from './request-id.js';
import { answerClosesConnection } from './unread-body.js';

/** Answers no route gave: no such path, a method the path does not take (with Allow), a method nobody takes. */
const routingErrors: Readonly<Record<number, string>> = { 404: 'not_found', 405: 'method_not_allowed', 501: 'not_implemented' };

/**
 * The outermost middleware of the Koa routes: gives each request an id, turns errors into the JSON error
 * answer (see `errorAnswer`), closes the connection when the body was not read (see `answerClosesConnection`), counts the
 * outcome and logs it (debug).
 */
export function observe({ metrics, logger, isDraining }: CollectorParts): Middleware {
	return async (ctx, next) => {
		const startedAt = performance.now();
		const requestId = nextRequestId();
		ctx.set('X-Request-Id', requestId);
		try {
			await next();
			const unanswered = ctx.body === undefined ? routingErrors[ctx.status] : undefined;
			if (unanswered !== undefined) {
				ctx.status = ctx.status; // marks it explicit: Koa turns an implicit 404 into 200 when a body is set
				ctx.body = { error: { code: unanswered, message: `${ctx.method} ${capText(ctx.path, 200)}: ${unanswered.replaceAll('_', ' ')}` } };
			}
		} catch (error) {
			setAnswer(ctx, errorAnswer(error, requestId, routeOf(ctx), logger));
		}
		if (answerClosesConnection(ctx.req, isDraining())) ctx.set('Connection', 'close');
		const route = routeOf(ctx);
		metrics.observeRequest(route, ctx.method, ctx.status, startedAt);
		logAnsweredRequest(logger, { requestId, method: ctx.method, route, status: ctx.status, code: errorCodeOf(ctx.body), startedAt });
	};
}

/** The matched route's template; the raw path is never logged or counted (it may hold a session id). */
function routeOf(ctx: Context): string {
	return typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
}
