import type Router from '@koa/router';
import { allowOrigin, answerPreflight } from '../http/cors.js';
import { readJsonBody } from '../http/json-body.js';
import { paths } from '../http/paths.js';
import { requireSession } from '../http/session.js';
import { maxReportBytes, parseSegmentReport } from '../segments/segment-report.js';
import type { CollectorParts } from './parts.js';

// text/plain is what navigator.sendBeacon and preflight-free cross-origin posts send.
const reportMediaTypes = ['application/json', 'text/plain'];

/** The segment listener: a browser reports the visitor's BlueConic segment ids for its session. */
export function segmentRoutes(router: Router, { config, sites, sessions, store, reportRate, metrics }: CollectorParts): void {
	const limits = config.segments;
	const maxBytes = maxReportBytes(limits);

	router.options(paths.segments, (ctx) => answerPreflight(ctx, sites.requireActive(ctx), 'POST'));

	router.post(paths.segments, async (ctx) => {
		const site = sites.requireActive(ctx);
		allowOrigin(ctx, site);
		const session = await requireSession(ctx, config.session.cookieName, sessions);
		reportRate.take(session.sessionKey);
		const body = await readJsonBody(ctx, { maxBytes, mediaTypes: reportMediaTypes });
		const segmentIds = parseSegmentReport(body, limits);
		await store.write(session.sessionKey, segmentIds);
		metrics.segmentReports.inc({ outcome: segmentIds.length === 0 ? 'empty' : 'segments' });
		ctx.status = 204;
	});
}
