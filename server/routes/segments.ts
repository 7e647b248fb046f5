import { readJsonBody } from '../http/json-body.js';
import { requireSession, sessionClientOf } from '../http/session.js';
import { storeUnavailable } from '../http/store-unavailable.js';
import { maxReportBytes, parseSegmentReport } from '../segments/segment-report.js';
import { isStoreUnavailableError } from '../store/store-unavailable-error.js';
import type { BrowserRoute } from './browser-route.js';
import type { CollectorParts } from './parts.js';

// text/plain is what navigator.sendBeacon and preflight-free cross-origin posts send.
const reportMediaTypes = ['application/json', 'text/plain'];

/** `POST /plugins/public/blueconic/segments`: a browser reports the visitor's BlueConic segment ids for its session. */
export function postSegments({ settings, sessions, store, reportRate, metrics }: CollectorParts): BrowserRoute {
	// `segments` and `session` cannot change while the collector runs (see docs/collector.md, Live configuration).
	const { segments: limits, session: sessionConfig } = settings().config;
	const maxBytes = maxReportBytes(limits);
	const reportsWithSegments = metrics.segmentReports.labels('segments');
	const emptyReports = metrics.segmentReports.labels('empty');

	return async ({ req }) => {
		const session = await requireSession(req.headers.cookie, sessionConfig.cookieName, sessions, sessionClientOf(req));
		// Only the Redis limit answers with a promise: the in-process one costs no await.
		const limited = reportRate.take(session.sessionKey);
		if (limited !== undefined) await limited;
		const body = await readJsonBody(req, { maxBytes, mediaTypes: reportMediaTypes });
		const segmentIds = parseSegmentReport(body, limits);
		try {
			await store.write(session.sessionKey, segmentIds);
		} catch (error) {
			throw isStoreUnavailableError(error) ? storeUnavailable() : error; // nothing stored: the SDK sends it again
		}
		(segmentIds.length === 0 ? emptyReports : reportsWithSegments).inc();
		return { status: 204 };
	};
}
