import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../errors/http-error.js';
import { type Answer, errorAnswer, writeAnswer } from '../http/answer.js';
import { allowedCorsOrigin, preflightHeaders } from '../http/cors.js';
import { paths } from '../http/paths.js';
import { errorCodeOf, logAnsweredRequest } from '../http/request-log.js';
import { answerClosesConnection } from '../http/unread-body.js';
import type { BrowserRoute } from './browser-route.js';
import { getDecision } from './decision.js';
import type { CollectorParts } from './parts.js';
import { postSegments } from './segments.js';

export interface BrowserEndpoints {
	/** Answers `req` when it is for a browser endpoint (resolving once answered); `undefined` leaves it to the caller. */
	serve(req: IncomingMessage, res: ServerResponse): Promise<void> | undefined;
}

/**
 * The endpoints pages call on every view: the segment listener and the decision lookup. They are served on
 * node:http directly rather than through Koa, which on these tiny requests cost more than all their own work
 * (see docs/bench.md). Each first checks the site and the page's origin, so that every answer, errors included,
 * carries the CORS headers the page needs to read it.
 */
export function browserEndpoints(parts: CollectorParts): BrowserEndpoints {
	const { settings, metrics, logger, isDraining } = parts;
	const preflight = (methods: string): BrowserRoute => {
		const headers = preflightHeaders(methods);
		return async () => ({ status: 204, headers });
	};
	const routesByPath = new Map<string, ReadonlyMap<string, BrowserRoute>>([
		[paths.segments, new Map([['POST', postSegments(parts)], ['OPTIONS', preflight('POST')]])],
		[paths.decision, new Map([['GET', getDecision(parts)], ['OPTIONS', preflight('GET')]])],
	]);

	async function answer(routes: ReadonlyMap<string, BrowserRoute>, req: IncomingMessage, res: ServerResponse, path: string, query: string) {
		const startedAt = process.hrtime.bigint();
		const requestId = randomUUID();
		let corsOrigin: string | undefined;
		let outcome: Answer;
		try {
			const route = routes.get(req.method ?? '');
			if (route === undefined) {
				throw new HttpError(405, 'method_not_allowed', 'this path does not take that method', {
					Allow: [...routes.keys()].join(', '),
				});
			}
			// HTTP/2 requests name their host in :authority instead of Host.
			const host = req.headers.host ?? (req.headers[':authority'] as string | undefined);
			const site = settings().sites.requireActive(host);
			corsOrigin = allowedCorsOrigin(site, req.headers.origin, host);
			outcome = await route({ req, query });
		} catch (error) {
			outcome = errorAnswer(error, requestId, path, logger);
		}
		const headers = ['X-Request-Id', requestId, 'Vary', 'Origin'];
		if (answerClosesConnection(req, isDraining())) headers.push('Connection', 'close');
		if (corsOrigin !== undefined) headers.push('Access-Control-Allow-Origin', corsOrigin, 'Access-Control-Allow-Credentials', 'true');
		writeAnswer(res, outcome, headers);
		metrics.observeRequest(path, req.method ?? '', outcome.status, startedAt);
		logAnsweredRequest(logger, {
			requestId,
			method: req.method ?? '',
			route: path,
			status: outcome.status,
			code: errorCodeOf(outcome.body),
			startedAt,
		});
	}

	return {
		serve(req, res) {
			const url = req.url ?? '/';
			const queryAt = url.indexOf('?');
			const path = queryAt === -1 ? url : url.slice(0, queryAt);
			const routes = routesByPath.get(path);
			return routes && answer(routes, req, res, path, queryAt === -1 ? '' : url.slice(queryAt + 1));
		},
	};
}
