import { retryDelay, retryableStatus } from './backoff.js';
import { type ReadyBlueConicClient, loadedEventName, segmentEventNames } from './blueconic.js';
import { sessionFingerprint } from './fingerprint.js';
import { type SegmentSyncOptions, resolveOptions } from './options.js';
import { segmentReport } from './segments.js';
import { deliveredReportKey } from './storage.js';

export type { SegmentSyncOptions } from './options.js';

export interface FlushOptions {
	/**
	 * Post the current set even if the collector should hold it already: after a sign-in or sign-out the page
	 * cannot see (an HttpOnly session cookie). Before BlueConic is ready or consent is given, it is posted as soon
	 * as it can be.
	 */
	force?: boolean;
}

/** The running sync, returned by `startSegmentSync` (and, for the script tag, `window.BlueConicBridge`). */
export interface SegmentSync {
	/** Stops posting and drops a pending report. Final: start again instead of resuming. */
	stop(): void;
	/**
	 * Re-reads the segments now and posts them unless the collector holds them (delivered in this tab, for this
	 * session as far as the page can tell, less than `refreshInterval` ago), or anyway with `{ force: true }`.
	 * Resolves once delivered or given up, at once if there is nothing to post (held, BlueConic not ready, no
	 * consent); never rejects.
	 */
	flush(options?: FlushOptions): Promise<void>;
	/** With `consent: 'required'`: `true` posts the current segments and from then on, `false` stops posting. */
	setConsent(granted: boolean): void;
	/** The segment ids the collector last acknowledged in this tab (remembered across reloads), or `undefined`. */
	lastDelivered(): readonly string[] | undefined;
}

/**
 * Starts posting the visitor's BlueConic segments to the collector: once BlueConic is ready, then whenever the
 * set changes, the readable session cookie changes, or the last delivery is `refreshInterval` old. Never throws
 * into the page: neither this call, nor the controller's methods, nor the listeners it leaves in the page.
 *
 * One closure rather than a module per concern: the script-tag build's gzip budget pays about ten bytes for every
 * function the minifier cannot inline. The pure parts (options, segments, record format, fingerprint, backoff)
 * are modules of their own; the sections below are waiting for BlueConic, watching navigations, delivering.
 */
export function startSegmentSync(options: SegmentSyncOptions = {}): SegmentSync {
	const settings = resolveOptions(options);
	const reportError = (error: unknown): void => {
		if (settings.debug) console.error(error);
		try {
			settings.onError?.(error as Error);
		} catch {
			// The site's own callback failing must not escape into the page either.
		}
	};

	const storageKey = deliveredReportKey(settings.endpoint);
	/** What this tab remembers of its last delivery: the record (see storage.ts). */
	let deliveredRecord: string | undefined;
	// sessionStorage can be missing or throw (sandboxed frames, blocked cookies, a full quota): then nothing is
	// remembered, which costs at most an extra post. Read and written in place, like the snippet, to stay small.
	try {
		deliveredRecord = sessionStorage[storageKey];
	} catch {
		// Nothing remembered.
	}
	/** `flush({ force: true })` was called: the next read posts, held or not. */
	let forced = false;
	let consented = settings.consent === 'not-required';
	let stopped = false;
	/** Set once BlueConic is ready, or the wait for it gave up. */
	let waited = false;
	let client: ReadyBlueConicClient | undefined;
	let navigationTimer: ReturnType<typeof setTimeout> | undefined;
	/** The report to post next: only the newest set matters. Posts go one at a time. */
	let pendingReport: string | undefined;
	/** Resolvers of `sync()` promises; not empty exactly while a post is in flight or a retry is waiting. */
	const waiting: Array<() => void> = [];
	let failedAttempts = 0;

	// --- delivering ------------------------------------------------------------------------------------------
	// Retries network errors, 5xx, 408 and 429 with jittered exponential backoff, honouring Retry-After, up to
	// maxAttempts tries; never other 4xx. Only a 2xx makes a report delivered.
	const postPending = (): void => {
		const report = pendingReport;
		if (!report) {
			for (const resolve of waiting.splice(0)) resolve();
			return;
		}
		/** `response` is missing when no answer came: a network error, or a CORS refusal (the same to a page). */
		const answered = (response?: Response): void => {
			const status = response?.status ?? 0;
			if (response?.ok) {
				// The fingerprint as the answer arrives: of the cookie that went with the post.
				deliveredRecord = `${Date.now()}|${sessionFingerprint(settings.sessionCookie)}|${report}`;
				try {
					sessionStorage[storageKey] = deliveredRecord;
				} catch {
					// Not remembered: the next page posts again.
				}
				// A different set that arrived meanwhile is still pending, and goes next.
				if (pendingReport === report) pendingReport = undefined;
			} else {
				const delay =
					retryableStatus.test(status as never) && ++failedAttempts < settings.maxAttempts
						? retryDelay(failedAttempts, response?.headers.get('Retry-After'), settings.retryDelay, settings.maxRetryDelay)
						: Infinity;
				// A Retry-After longer than maxRetryDelay ends the retries: cutting it short would not honour it.
				if (delay <= settings.maxRetryDelay) {
					setTimeout(postPending, delay);
					return;
				}
				reportError(new Error(`blueconic-bridge: post failed: ${status}`));
				pendingReport = undefined;
			}
			failedAttempts = 0;
			postPending();
		};
		fetch(settings.endpoint, {
			method: 'POST',
			credentials: 'include',
			headers: { 'Content-Type': 'application/json' },
			body: report,
		}).then(answered, () => answered());
	};

	/**
	 * Reads the segments and posts them unless the collector holds them already (or `flush({ force: true })` asked
	 * for a post). Resolves once nothing is pending any more (delivered, given up or dropped); async only to return
	 * a promise on every path. Takes no arguments: it is an event handler.
	 */
	const sync = async (): Promise<void> => {
		try {
			if (client && consented && !stopped) {
				const report = segmentReport(client);
				const delivered = `|${sessionFingerprint(settings.sessionCookie)}|${report}`;
				// While a report is pending, the collector may end up with it, whatever it holds now: the newest set goes.
				// Otherwise post unless the record says the collector holds this set for this session, and recently.
				if (
					pendingReport
						? report !== pendingReport
						: forced ||
							!(deliveredRecord?.endsWith(delivered) && Date.now() - parseInt(deliveredRecord) < settings.refreshInterval)
				) {
					pendingReport = report;
				}
				forced = false;
				return new Promise((resolve) => {
					// The only one waiting: nothing was in flight or waiting to retry, so it is up to this call to post.
					if (waiting.push(resolve) === 1) postPending();
				});
			}
		} catch (error) {
			reportError(error);
		}
	};

	// --- watching single-page-app navigations --------------------------------------------------------------
	// BlueConic's handlePageView (which an SPA, or BlueConic's own SPA support, calls per virtual page view),
	// history.pushState and popstate. BlueConic recomputes the segments after the page view's round trip: read a
	// little later.
	const navigated = (): void => {
		clearTimeout(navigationTimer);
		navigationTimer = setTimeout(sync, settings.navigationDelay);
	};
	/** Wraps `owner[methodName]` to call `navigated` after it; its result and errors pass through untouched. */
	const callAfter = (owner: object, methodName: string): void => {
		const methods = owner as Record<string, unknown>;
		const original = methods[methodName];
		if (typeof original === 'function') {
			methods[methodName] = function (this: unknown, ...args: unknown[]): unknown {
				const result: unknown = original.apply(this, args);
				navigated();
				return result;
			};
		}
	};

	// --- waiting for BlueConic -------------------------------------------------------------------------------
	// Ready as BlueConic defines it: its event API exists. Checked in a task of its own (so that this call returns
	// first) and on each onBlueConicLoaded, whichever loaded first; never polled. Given up quietly after `timeout`:
	// BlueConic blocked (by an ad blocker, say) is normal, not a failure. The listener stays, finding nothing to do.
	const checkReady = (): void => {
		const candidate = window.blueConicClient;
		if (waited || typeof candidate?.event?.subscribe !== 'function') return;
		waited = true;
		try {
			client = candidate as ReadyBlueConicClient;
			for (const eventName of segmentEventNames) client.event.subscribe(eventName, null, sync);
			callAfter(client, 'handlePageView');
			callAfter(history, 'pushState');
			addEventListener('popstate', navigated);
			sync();
		} catch (error) {
			reportError(error);
		}
	};
	setTimeout(() => (waited = true), settings.timeout);
	addEventListener(loadedEventName, checkReady);
	setTimeout(checkReady);

	// --- leaving ---------------------------------------------------------------------------------------------
	// A post in flight or a retry timer dies with the page: the pending report goes out as a beacon, which
	// outlives it (text/plain, with cookies, no preflight, at most 64 KiB: a full report of 200 ids of 200
	// characters is about 41 KB). Its answer is never seen: if the page stays (only hidden), the retries carry on,
	// at worst sending it twice. visibilitychange to hidden fires both when the tab is hidden (it may never be seen
	// again) and when the page is left (right after pagehide), so one listener covers both, and one beacon goes.
	document.addEventListener('visibilitychange', () => {
		try {
			if (document.hidden && pendingReport) navigator.sendBeacon(settings.endpoint, pendingReport);
		} catch (error) {
			reportError(error);
		}
	});

	// Dropping the pending report lets a post in flight or a retry wait run out first (finding nothing left to
	// send), then the promises resolve; a report read meanwhile waits for that: never two posts at once.
	return {
		stop() {
			// The listeners stay, finding nothing to do: another script may have wrapped what we wrapped since.
			stopped = true;
			pendingReport = undefined;
		},
		flush(flushOptions) {
			forced ||= flushOptions?.force === true;
			return sync();
		},
		setConsent(granted) {
			consented = granted === true;
			if (consented) sync();
			else pendingReport = undefined;
		},
		lastDelivered() {
			// The report starts at the record's first `[` (see storage.ts). No record, or text that is not one (another
			// script's, an older version's), throws: nothing delivered.
			try {
				return JSON.parse(deliveredRecord!.slice(deliveredRecord!.indexOf('[')));
			} catch {
				// Falls through to undefined (an explicit return costs the budget bytes).
			}
		},
	};
}
