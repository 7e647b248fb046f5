/**
 * The inline snippet: a no-frills SDK to paste into a page inside `<script data-endpoint="...">` (give that tag
 * the page's CSP nonce). It waits for BlueConic in either load order, and whenever BlueConic's events show a set
 * this tab has not delivered yet (remembered in sessionStorage, shared with the full SDK), posts it with the
 * session cookie, retrying a few times. Every post is `text/plain` with `keepalive`: keepalive lets a report
 * outlive the page, and a text/plain post needs no CORS preflight, which a keepalive request leaving the page may
 * not get to finish.
 */
import { type BlueConicClient, loadedEventName, segmentEventNames } from './blueconic.js';
import { segmentReport } from './segments.js';
import { deliveredReportKey, readSessionValue, writeSessionValue } from './storage.js';

const endpoint = document.currentScript?.dataset.endpoint || '/plugins/public/blueconic/segments';
const storageKey = deliveredReportKey(endpoint);
/** The report being posted, or last delivered: BlueConic fires several events per page view. */
let postedReport: string | null = readSessionValue(storageKey);
let client: BlueConicClient | undefined;

/** Given up on `report`: a later BlueConic event may post it again. */
const forget = (): void => {
	postedReport = readSessionValue(storageKey);
};

const post = (report: string, retries: number): void => {
	const retry = (retryAfter?: string | null): void => {
		// Retry-After in seconds, or a backoff of 1, 2 and 4 s (an HTTP date counts as no header); not once a newer
		// set is being posted, which must not be overtaken by this older one.
		if (retries > 2) forget();
		else if (report === postedReport) setTimeout(post, Number(retryAfter) * 1e3 || 1e3 << retries, report, retries + 1);
	};
	postedReport = report;
	fetch(endpoint, {
		method: 'POST',
		credentials: 'include',
		keepalive: true,
		headers: { 'Content-Type': 'text/plain' },
		body: report,
	}).then((response) => {
		const status = response.status;
		if (response.ok) writeSessionValue(storageKey, report);
		else if (status > 499 || status === 408 || status === 429) retry(response.headers.get('Retry-After'));
		else forget();
	}, retry);
};

const sync = (): void => {
	try {
		const report = segmentReport(client?.getSegments?.());
		if (report !== postedReport) post(report, 0);
	} catch {
		// BlueConic misbehaving must not reach the page.
	}
};

const start = (): void => {
	const candidate = window.blueConicClient;
	if (client || typeof candidate?.event?.subscribe !== 'function') return;
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
