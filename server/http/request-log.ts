import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger.js';

export interface AnsweredRequest {
	requestId: string;
	method: string;
	/** The route's template (`/plugins/blueconic/sessions/:sessionId/segments`), never the raw path: it may hold a session id. */
	route: string;
	status: number;
	/** The error answer's `code`, if it was one. */
	code: string | undefined;
	/** From `performance.now()` when the request arrived. */
	startedAt: number;
}

/**
 * Logs an answered request at debug level, for both the browser endpoints and the Koa routes. Only what the
 * collector chose is logged: no header, cookie, key, session id, query or raw path.
 */
export function logAnsweredRequest(logger: Logger, { requestId, method, route, status, code, startedAt }: AnsweredRequest): void {
	if (!logger.isLevelEnabled('debug')) return;
	const durationMs = performance.now() - startedAt;
	logger.debug({ requestId, method, route, status, ...(code === undefined ? {} : { code }), durationMs }, 'request answered');
}

/** The `code` of a JSON error answer body, if it is one. */
export function errorCodeOf(body: unknown): string | undefined {
	const code = (body as { error?: { code?: unknown } } | null | undefined)?.error?.code;
	return typeof code === 'string' ? code : undefined;
}
