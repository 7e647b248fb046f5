import type { CollectorConfig } from '../config/schema.js';
import { decideWithSource } from '../blueconic-segments/index.js';
import { trustSettingsOf } from '../blueconic-segments/trust-settings.js';
import { HttpError } from '../errors/http-error.js';
import { requireSession, sessionClientOf } from '../http/session.js';
import type { BrowserRoute } from './browser-route.js';
import { requireFeatured } from './featured.js';
import type { CollectorParts } from './parts.js';

const maxWaitMs = 3_000;
const noStore = Object.freeze({ 'Cache-Control': 'no-store' });

/**
 * `GET /plugins/public/blueconic/decision?segment=ID` (or `featured=ID`, optional `wait=MS`): is the visitor of
 * this session in the segment? With `wait`, a session that has not reported yet gets until its first report.
 */
export function getDecision({ settings, sessions, store, blueconicSegments, metrics }: CollectorParts): BrowserRoute {
	return async ({ req, query: queryString }) => {
		const { config } = settings();
		const query = new URLSearchParams(queryString);
		const segmentId = readSegmentQuery(query, config.featuredSegments, config.segments.maxIdLength);
		const waitMs = readWait(query);
		const session = await requireSession(req.headers.cookie, config.session.cookieName, sessions, sessionClientOf(req));
		const decisions = await decideWithSource({
			...trustSettingsOf(config, blueconicSegments),
			segmentIds: [segmentId],
			identity: session.identity,
			read: () => store.read(session.sessionKey),
			waitForReport: (ms) => store.waitForReport(session.sessionKey, ms),
			waitMs,
		});
		for (const { result } of decisions) metrics.decisions.inc({ result });
		return { status: 200, headers: noStore, body: decisions[0] };
	};
}

function readSegmentQuery(query: URLSearchParams, featured: CollectorConfig['featuredSegments'], maxIdLength: number): string {
	const segment = singleValue(query, 'segment');
	if (segment !== undefined && segment.length > maxIdLength) {
		throw new HttpError(400, 'segment_id_too_long', `segment is longer than ${maxIdLength} characters`);
	}
	const featuredId = singleValue(query, 'featured');
	if ((segment === undefined) === (featuredId === undefined)) {
		throw new HttpError(400, 'segment_required', 'give exactly one of the query parameters "segment" or "featured"');
	}
	return featuredId === undefined ? (segment as string) : requireFeatured(featured, featuredId, 'featured');
}

/** `undefined` without a `wait` (BlueConic then gets `lookupWaitMs`); 0 is an explicit "answer now". */
function readWait(query: URLSearchParams): number | undefined {
	const text = singleValue(query, 'wait');
	if (text === undefined) return undefined;
	const waitMs = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
	if (!(waitMs <= maxWaitMs)) {
		throw new HttpError(400, 'invalid_wait', `wait must be a whole number of milliseconds from 0 to ${maxWaitMs}`);
	}
	return waitMs;
}

function singleValue(query: URLSearchParams, name: string): string | undefined {
	const values = query.getAll(name);
	if (values.length > 1) throw new HttpError(400, 'repeated_parameter', `the query parameter "${name}" is given more than once`);
	if (values[0] === '') throw new HttpError(400, 'empty_parameter', `the query parameter "${name}" is empty`);
	return values[0];
}
