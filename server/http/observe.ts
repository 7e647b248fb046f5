import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { CollectorParts } from '../routes/parts.js';
import { errorAnswer, setAnswer } from './answer.js';
import { hasUnreadBody } from './unread-body.js';

/** Answers no route gave: no such path, a method the path does not take (with Allow), a method nobody takes. */
const routingErrors: Readonly<Record<number, string>> = { 404: 'not_found', 405: 'method_not_allowed', 501: 'not_implemented' };

/**
 * The outermost middleware of the Koa routes: gives each request an id, turns errors into the JSON error
 * answer (see `errorAnswer`), and counts the outcome.
 */
export function observe({ metrics, logger, isDraining }: CollectorParts): Middleware {
	return async (ctx, next) => {
		const startedAt = process.hrtime.bigint();
		const requestId = randomUUID();
		ctx.set('X-Request-Id', requestId);
		try {
			await next();
			const unanswered = ctx.body === undefined ? routingErrors[ctx.status] : undefined;
			if (unanswered !== undefined) {
				ctx.status = ctx.status; // marks it explicit: Koa turns an implicit 404 into 200 when a body is set
				ctx.body = { error: { code: unanswered, message: `${ctx.method} ${ctx.path.slice(0, 200)}: ${unanswered.replaceAll('_', ' ')}` } };
			}
		} catch (error) {
			setAnswer(ctx, errorAnswer(error, requestId, ctx.path, logger));
		}
		if (isDraining() || hasUnreadBody(ctx.req)) ctx.set('Connection', 'close');
		const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
		metrics.observeRequest(route, ctx.method, ctx.status, startedAt);
	};
}
