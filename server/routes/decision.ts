import type { CollectorConfig } from '../config/schema.js';
import { decideWithSource, type SourcedDecision } from '../blueconic-segments/index.js';
import { browserResult } from '../blueconic-segments/decide-with-source.js';
import { trustSettingsOf } from '../blueconic-segments/trust-settings.js';
import { HttpError } from '../errors/http-error.js';
import type { Answer } from '../http/answer.js';
import { type BrowserSessions, isRecorded, type RequestSession } from '../http/session.js';
import { heldReportsOf, type StoreRead } from '../store/segment-store.js';
import { jsonString } from '../utils/json-string.js';
import type { Decision } from '../decisions/decide.js';
import type { BrowserRoute } from './browser-route.js';
import { requireFeatured } from './featured.js';
import type { CollectorParts } from './parts.js';

const maxWaitMs = 3_000;
const noStore = Object.freeze({ 'Cache-Control': 'no-store' });

/**
 * `GET /plugins/public/blueconic/decision?segment=ID` (or `featured=ID`, optional `wait=MS`): is the visitor of
 * this session in the segment? With `wait`, a session that has not reported yet gets until its first report.
 * Decided by the browser's report held in this process (the common case), it is answered without a promise.
 */
export function getDecision(parts: CollectorParts, sessions: BrowserSessions): BrowserRoute {
	const { settings, store, blueconicSegments, metrics } = parts;
	const heldReports = heldReportsOf(store);
	const decisionCounts: Record<Decision, { inc(): void }> = {
		yes: metrics.decisions.labels('yes'),
		no: metrics.decisions.labels('no'),
		unknown: metrics.decisions.labels('unknown'),
	};
	const answerWith = (decision: SourcedDecision): Answer => {
		decisionCounts[decision.result].inc();
		return { status: 200, headers: noStore, body: decision };
	};
	// What answerWith(browserDecision(segmentId, read)) answers, its JSON (the same bytes) built by hand.
	const answerFromBrowser = (segmentId: string, read: StoreRead): Answer => {
		const result = browserResult(segmentId, read);
		decisionCounts[result].inc();
		return { status: 200, headers: noStore, json: `{"segment":${jsonString(segmentId)},"result":"${result}","source":"browser"}` };
	};

	const decide = (config: CollectorConfig, segmentId: string, waitMs: number | undefined, session: RequestSession): Answer | Promise<Answer> => {
		const sessionKey = session.sessionKey;
		if ((config.segments.source === 'browser' || blueconicSegments === undefined) && !(waitMs !== undefined && waitMs > 0)) {
			// What decideWithSource decides here, without its promises; a recorded session tells the in-process
			// store where it found the session last.
			const read = heldReports !== undefined && isRecorded(session) ? heldReports.readAt(sessionKey, session) : store.read(sessionKey);
			if (!(read instanceof Promise)) return answerFromBrowser(segmentId, read);
		}
		return decideWithSource({
			...trustSettingsOf(config, blueconicSegments),
			segmentIds: [segmentId],
			identity: session.identity,
			read: () => store.read(sessionKey),
			waitForReport: (ms) => store.waitForReport(sessionKey, ms),
			waitMs,
		}).then((decisions) => answerWith(decisions[0] as SourcedDecision));
	};

	return (req, queryString) => {
		const { config } = settings();
		const query = readDecisionQuery(queryString);
		const segmentId = readSegmentQuery(query, config.featuredSegments, config.segments.maxIdLength);
		const waitMs = readWait(query);
		const session = sessions.require(req, config.session.cookieName);
		return session instanceof Promise
			? session.then((checked) => decide(config, segmentId, waitMs, checked))
			: decide(config, segmentId, waitMs, session);
	};
}

/** The decision's query parameters: each one's first value and how many times it was given. */
interface DecisionQuery {
	segment: string | undefined;
	segments: number;
	featured: string | undefined;
	featureds: number;
	wait: string | undefined;
	waits: number;
}

/**
 * Reads the three parameters as `URLSearchParams` would. A query without `%` or `+` has nothing to decode and is
 * scanned in place; any other (and one starting with the `?` URLSearchParams drops) goes through it.
 */
function readDecisionQuery(queryString: string): DecisionQuery {
	const query: DecisionQuery = { segment: undefined, segments: 0, featured: undefined, featureds: 0, wait: undefined, waits: 0 };
	if (queryString.includes('%') || queryString.includes('+') || queryString.startsWith('?')) {
		const params = new URLSearchParams(queryString);
		for (const [name, value] of params) count(query, name, value);
		return query;
	}
	let start = 0;
	while (start < queryString.length) {
		let end = queryString.indexOf('&', start);
		if (end === -1) end = queryString.length;
		if (end > start) {
			const equals = queryString.indexOf('=', start);
			if (equals === -1 || equals > end) count(query, queryString.slice(start, end), '');
			else count(query, queryString.slice(start, equals), queryString.slice(equals + 1, end));
		}
		start = end + 1;
	}
	return query;
}

function count(query: DecisionQuery, name: string, value: string): void {
	switch (name) {
		case 'segment':
			if (query.segments++ === 0) query.segment = value;
			break;
		case 'featured':
			if (query.featureds++ === 0) query.featured = value;
			break;
		case 'wait':
			if (query.waits++ === 0) query.wait = value;
			break;
	}
}

function readSegmentQuery(query: DecisionQuery, featured: CollectorConfig['featuredSegments'], maxIdLength: number): string {
	const segment = singleValue(query.segment, query.segments, 'segment');
	if (segment !== undefined && segment.length > maxIdLength) {
		throw new HttpError(400, 'segment_id_too_long', `segment is longer than ${maxIdLength} characters`);
	}
	const featuredId = singleValue(query.featured, query.featureds, 'featured');
	if ((segment === undefined) === (featuredId === undefined)) {
		throw new HttpError(400, 'segment_required', 'give exactly one of the query parameters "segment" or "featured"');
	}
	return featuredId === undefined ? (segment as string) : requireFeatured(featured, featuredId, 'featured');
}

/** `undefined` without a `wait` (BlueConic then gets `lookupWaitMs`); 0 is an explicit "answer now". */
function readWait(query: DecisionQuery): number | undefined {
	const text = singleValue(query.wait, query.waits, 'wait');
	if (text === undefined) return undefined;
	const waitMs = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
	if (!(waitMs <= maxWaitMs)) {
		throw new HttpError(400, 'invalid_wait', `wait must be a whole number of milliseconds from 0 to ${maxWaitMs}`);
	}
	return waitMs;
}

function singleValue(first: string | undefined, times: number, name: string): string | undefined {
	if (times > 1) throw new HttpError(400, 'repeated_parameter', `the query parameter "${name}" is given more than once`);
	if (first === '') throw new HttpError(400, 'empty_parameter', `the query parameter "${name}" is empty`);
	return first;
}
