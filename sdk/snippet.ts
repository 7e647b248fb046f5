/**
 * The inline snippet: a no-frills SDK to paste into a page inside `<script data-endpoint="...">` (give that tag
 * the page's CSP nonce). It waits for BlueConic in either load order, and whenever BlueConic's events show a set
 * the collector may not hold (not delivered from this tab, for this session, in the last ten minutes: the record
 * in sessionStorage that the full SDK reads and writes too, see storage.ts), posts it with the session cookie,
 * retrying a few times. Every post is `text/plain` with `keepalive`: keepalive lets a report outlive the page, and
 * a text/plain post needs no CORS preflight, which a keepalive request leaving the page may not get to finish.
 */
import { type BlueConicClient, loadedEventName, segmentEventNames } from './blueconic.js';
import { sessionFingerprint } from './fingerprint.js';
import { optionDefaults } from './options.js';
import { segmentReport } from './segments.js';

// The SDK's defaults (the minifier inlines them).
const endpoint = document.currentScript?.dataset.endpoint || optionDefaults.endpoint;
/** storage.ts's `deliveredReportKey`, written out. */
const storageKey = 'blueconic-bridge:' + endpoint;
/**
 * The record of the report being posted, or last delivered or given up: BlueConic fires several events per page
 * view. A report given up is posted again once the set or the session changes, or the refresh interval passed.
 */
let postedRecord: string | undefined;
let client: BlueConicClient | undefined;

// sessionStorage may be missing or throw: then nothing is remembered (see storage.ts).
try {
	postedRecord = sessionStorage[storageKey];
} catch {
	// Nothing remembered.
}

/** Posts `report`; `record` is remembered once it is delivered (stamped when first sent: a little early). */
const post = (record: string, report: string, retries: number): void => {
	/** Retry-After in seconds, or a backoff of 1, 2 and 4 s; not once a newer report is being posted. */
	const retry = (retryAfter?: unknown): void => {
		// An HTTP date, like no header, is NaN: the backoff.
		if (record === postedRecord && retries < 3) {
			setTimeout(post, (retryAfter as number) * 1e3 || 1e3 << retries, record, report, retries + 1);
		}
	};
	postedRecord = record;
	fetch(endpoint, {
		method: 'POST',
		credentials: 'include',
		keepalive: true,
		// A string body is sent as `text/plain;charset=UTF-8`, like a beacon: no CORS preflight.
		body: report,
	}).then((response) => {
		if (response.ok) {
			try {
				sessionStorage[storageKey] = record;
			} catch {
				// Not remembered: the next page posts it again.
			}
			// Retried: 5xx, 408 and 429, and no answer at all (below). An answer's status is never 0.
		} else if (/^(5|408|429)/.test(response.status as never)) retry(response.headers.get('Retry-After'));
	}, retry);
};

const sync = (): void => {
	try {
		const report = segmentReport(client);
		// The end of a record for this set and session (see storage.ts).
		const delivered = `|${sessionFingerprint(optionDefaults.sessionCookie)}|${report}`;
		if (!(postedRecord?.endsWith(delivered) && Date.now() - parseInt(postedRecord) < optionDefaults.refreshInterval)) {
			post(Date.now() + delivered, report, 0);
		}
	} catch {
		// BlueConic misbehaving must not reach the page.
	}
};

const start = (): void => {
	const candidate = window.blueConicClient;
	// Ready as BlueConic defines it: the event API exists (a `subscribe` that is not a function throws below).
	if (client || !candidate?.event?.subscribe) return;
	client = candidate;
	for (const eventName of segmentEventNames) {
		try {
			candidate.event.subscribe(eventName, null, sync);
		} catch {
			// An event this version of BlueConic does not know.
		}
	}
	sync();
};

start();
addEventListener(loadedEventName, start);
