import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HttpError } from '../errors/http-error.js';
import { type Answer, errorAnswer, writeAnswer } from '../http/answer.js';
import { allowedCorsOrigin, preflightHeaders } from '../http/cors.js';
import { paths } from '../http/paths.js';
import { nextRequestId } from '../http/request-id.js';
import { errorCodeOf, logAnsweredRequest } from '../http/request-log.js';
import { BrowserSessions } from '../http/session.js';
import { answerClosesConnection } from '../http/unread-body.js';
import type { RouteRequests } from '../metrics.js';
import { SessionRecords } from '../sessions/session-records.js';
import type { BrowserRoute } from './browser-route.js';
import { getDecision } from './decision.js';
import type { CollectorParts } from './parts.js';
import { postSegments } from './segments.js';

export interface BrowserEndpoints {
	/** Answers `req` when it is for a browser endpoint (resolving once answered); `undefined` leaves it to the caller. */
	serve(req: IncomingMessage, res: ServerResponse): Promise<void> | undefined;
}

/** Hot-path session records at most (see `SessionRecords`; `recordBytes` each, so at most about 198 MB). */
export const maxSessionRecords = 100_000;

interface PathRoutes {
	readonly routes: ReadonlyMap<string, BrowserRoute>;
	readonly path: string;
	readonly allow: string;
	readonly counts: RouteRequests;
}

// What `serve` answers once a request is answered without waiting: one promise for all of them.
const answered = Promise.resolve();

/**
 * The endpoints pages call on every view: the segment listener and the decision lookup. They are served on
 * node:http directly rather than through Koa, which on these tiny requests cost more than all their own work
 * (see docs/bench.md). Each first checks the site and the page's origin, so that every answer, errors included,
 * carries the CORS headers the page needs to read it. A route that answers plainly is written out at once: no
 * promise per request.
 */
export function browserEndpoints(parts: CollectorParts): BrowserEndpoints {
	const { settings, metrics, logger, isDraining } = parts;
	const { segments, session } = settings().config;
	const validate = session.validate;
	// As many records as sessions the store holds or the validator caches, capped.
	const maxRecords = Math.min(segments.maxSessions, validate.type === 'http' ? validate.cacheMaxEntries : maxSessionRecords, maxSessionRecords);
	const sessions = new BrowserSessions(parts.sessions, new SessionRecords(maxRecords));
	const preflight = (methods: string): BrowserRoute => {
		const answer: Answer = { status: 204, headers: preflightHeaders(methods) };
		return () => answer;
	};
	const pathRoutes = (path: string, routes: ReadonlyMap<string, BrowserRoute>): PathRoutes => ({
		routes,
		path,
		allow: [...routes.keys()].join(', '),
		counts: metrics.routeRequests(path),
	});
	const served: readonly PathRoutes[] = [
		pathRoutes(paths.segments, new Map([['POST', postSegments(parts, sessions)], ['OPTIONS', preflight('POST')]])),
		pathRoutes(paths.decision, new Map([['GET', getDecision(parts, sessions)], ['OPTIONS', preflight('GET')]])),
	];
	// The routes of the path that `url` has up to `pathEnd`, compared in place: no slice of it to hash, per request.
	const routesOf = (url: string, pathEnd: number): PathRoutes | undefined => {
		for (let index = 0; index < served.length; index++) {
			const candidate = served[index] as PathRoutes;
			if (candidate.path.length === pathEnd && url.startsWith(candidate.path)) return candidate;
		}
		return undefined;
	};

	function answer({ routes, path, allow, counts }: PathRoutes, req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
		const startedAt = performance.now();
		const requestId = nextRequestId();
		let corsOrigin: string | undefined;
		let outcome: Answer | Promise<Answer>;
		try {
			const route = routes.get(req.method ?? '');
			if (route === undefined) throw new HttpError(405, 'method_not_allowed', 'this path does not take that method', { Allow: allow });
			// HTTP/2 requests name their host in :authority instead of Host.
			const host = req.headers.host ?? (req.headers[':authority'] as string | undefined);
			const site = settings().sites.requireActive(host);
			corsOrigin = allowedCorsOrigin(site, req.headers.origin, host);
			outcome = route(req, query);
		} catch (error) {
			outcome = errorAnswer(error, requestId, path, logger);
		}
		if (outcome instanceof Promise) {
			const origin = corsOrigin;
			return outcome.then(
				(settled) => finish(settled, req, res, path, counts, requestId, origin, startedAt),
				(error: unknown) => finish(errorAnswer(error, requestId, path, logger), req, res, path, counts, requestId, origin, startedAt),
			);
		}
		finish(outcome, req, res, path, counts, requestId, corsOrigin, startedAt);
		return answered;
	}

	function finish(
		outcome: Answer,
		req: IncomingMessage,
		res: ServerResponse,
		path: string,
		counts: RouteRequests,
		requestId: string,
		corsOrigin: string | undefined,
		startedAt: number,
	): void {
		const headers = ['X-Request-Id', requestId, 'Vary', 'Origin'];
		if (answerClosesConnection(req, isDraining())) headers.push('Connection', 'close');
		if (corsOrigin !== undefined) headers.push('Access-Control-Allow-Origin', corsOrigin, 'Access-Control-Allow-Credentials', 'true');
		writeAnswer(res, outcome, headers);
		const method = req.method ?? '';
		counts.observe(method, outcome.status, startedAt);
		if (logger.isLevelEnabled('debug')) {
			logAnsweredRequest(logger, { requestId, method, route: path, status: outcome.status, code: errorCodeOf(outcome.body), startedAt });
		}
	}

	return {
		serve(req, res) {
			const url = req.url ?? '/';
			const queryAt = url.indexOf('?');
			const routes = routesOf(url, queryAt === -1 ? url.length : queryAt);
			return routes && answer(routes, req, res, queryAt === -1 ? '' : url.slice(queryAt + 1));
		},
	};
}
