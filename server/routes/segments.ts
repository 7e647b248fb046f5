import type { IncomingMessage } from 'node:http';
import type { Answer } from '../http/answer.js';
import { readBodyThen } from '../http/body-reader.js';
import { parseJsonText, requireJsonMediaType } from '../http/json-body.js';
import { type BrowserSessions, isRecorded, type RequestSession } from '../http/session.js';
import { storeUnavailable } from '../http/store-unavailable.js';
import { maxReportBytes, parseSegmentReport } from '../segments/segment-report.js';
import type { SessionRecord } from '../sessions/session-records.js';
import { type HeldReports, heldReportsOf } from '../store/segment-store.js';
import { isStoreUnavailableError } from '../store/store-unavailable-error.js';
import type { BrowserRoute } from './browser-route.js';
import type { CollectorParts } from './parts.js';

// text/plain is what navigator.sendBeacon and preflight-free cross-origin posts send.
const reportMediaTypes = ['application/json', 'text/plain'];
const stored: Answer = Object.freeze({ status: 204 });

/**
 * `POST /plugins/public/blueconic/segments`: a browser reports the visitor's BlueConic segment ids for its session.
 * Each step answers plainly when it can and the next runs at once; only the body (and a session check, Redis) is
 * waited for.
 */
export function postSegments({ settings, store, reportRate, metrics }: CollectorParts, sessions: BrowserSessions): BrowserRoute {
	// `segments` and `session` cannot change while the collector runs (see docs/collector.md, Live configuration).
	const { segments: limits, session: sessionConfig } = settings().config;
	const cookieName = sessionConfig.cookieName;
	const maxBytes = maxReportBytes(limits);
	const reportsWithSegments = metrics.segmentReports.labels('segments');
	const emptyReports = metrics.segmentReports.labels('empty');
	const heldReports = heldReportsOf(store);

	const afterSession = (session: RequestSession, req: IncomingMessage): Answer | Promise<Answer> => {
		// A recorded session counts in its own window (in-process limit); the Redis limit answers with a promise.
		if (reportRate.takeIn !== undefined && isRecorded(session)) {
			reportRate.takeIn(session, Date.now());
		} else {
			const limited = reportRate.take(session.sessionKey);
			if (limited !== undefined) return limited.then(() => readReport(session, req));
		}
		return readReport(session, req);
	};

	const readReport = (session: RequestSession, req: IncomingMessage): Promise<Answer> => {
		requireJsonMediaType(req, reportMediaTypes);
		return readBodyThen(req, maxBytes, storeReport, session);
	};

	const storeReport = (body: Buffer, session: RequestSession): Answer | Promise<Answer> => {
		const text = body.toString('utf8');
		if (heldReports !== undefined && isRecorded(session)) return storeRecordedReport(body, text, session, heldReports);
		const segmentIds = parseSegmentReport(parseJsonText(text), limits);
		let written: void | Promise<void>;
		try {
			written = store.write(session.sessionKey, segmentIds);
		} catch (error) {
			throw writeError(error);
		}
		const counter = segmentIds.length === 0 ? emptyReports : reportsWithSegments;
		if (written === undefined) {
			counter.inc();
			return stored;
		}
		return written.then(
			() => {
				counter.inc();
				return stored;
			},
			(error: unknown) => {
				throw writeError(error);
			},
		);
	};

	// A recorded session and the in-process store: the body the session posted last time (a refresh, a new tab)
	// means the ids the store still holds for it, so it is neither parsed nor checked nor compared again.
	const storeRecordedReport = (body: Buffer, text: string, session: SessionRecord, heldReports: HeldReports): Answer => {
		let held = session.heldReportFor(text);
		if (held === undefined || !heldReports.refreshHeld(session.sessionKey, held, session)) {
			const segmentIds = parseSegmentReport(parseJsonText(text), limits);
			try {
				held = heldReports.writeHeld(session.sessionKey, segmentIds, session);
			} catch (error) {
				throw writeError(error);
			}
			session.rememberReport(body, text, held);
		}
		(held.length === 0 ? emptyReports : reportsWithSegments).inc();
		return stored;
	};

	return (req) => {
		const session = sessions.require(req, cookieName);
		return session instanceof Promise ? session.then((checked) => afterSession(checked, req)) : afterSession(session, req);
	};
}

// Nothing stored: the SDK sends it again.
function writeError(error: unknown): unknown {
	return isStoreUnavailableError(error) ? storeUnavailable() : error;
}
