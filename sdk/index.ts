import { type ReadyBlueConicClient, segmentEventNames } from './blueconic.js';
import { createDelivery } from './delivery.js';
import { watchNavigations } from './navigation.js';
import { type SegmentSyncOptions, resolveOptions } from './options.js';
import { whenBlueConicReady } from './ready.js';
import { segmentIdsOf, segmentReport } from './segments.js';
import { deliveredReportKey, readSessionValue, writeSessionValue } from './storage.js';

export type { SegmentSyncOptions } from './options.js';

/** The running sync, returned by `startSegmentSync` (and, for the script tag, `window.BlueConicBridge`). */
export interface SegmentSync {
	/** Stops posting and drops a pending report. Final: start again instead of resuming. */
	stop(): void;
	/**
	 * Re-reads the segments now and posts them if they differ from the last delivered set. Resolves once
	 * delivered or given up, at once if there is nothing to post (unchanged, BlueConic not ready, no consent);
	 * never rejects.
	 */
	flush(): Promise<void>;
	/** With `consent: 'required'`: `true` posts the current segments and from then on, `false` stops posting. */
	setConsent(granted: boolean): void;
	/** The segment ids the collector last acknowledged in this tab (remembered across reloads), or `undefined`. */
	lastDelivered(): readonly string[] | undefined;
}

/**
 * Starts posting the visitor's BlueConic segments to the collector: once BlueConic is ready, then whenever the
 * set changes. Never throws into the page: neither this call, nor the controller's methods, nor the listeners
 * it leaves in the page.
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
	/** Wraps code run by the page's events, so that nothing escapes into the host page. */
	const guard =
		<Args extends unknown[]>(run: (...args: Args) => void) =>
		(...args: Args): void => {
			try {
				run(...args);
			} catch (error) {
				reportError(error);
			}
		};

	const storageKey = deliveredReportKey(settings.endpoint);
	let consented = settings.consent === 'not-required';
	let stopped = false;
	let client: ReadyBlueConicClient | undefined;
	let navigationTimer: ReturnType<typeof setTimeout> | undefined;

	const delivery = createDelivery(
		settings,
		readSessionValue(storageKey),
		(report) => writeSessionValue(storageKey, report),
		reportError,
	);

	/** Reads the segments and posts them if the collector does not have them yet. */
	const sync = (): Promise<void> => {
		try {
			if (client && consented && !stopped) return delivery.send(segmentReport(client.getSegments?.()));
		} catch (error) {
			reportError(error);
		}
		return Promise.resolve();
	};

	whenBlueConicReady(
		settings.timeout,
		guard((readyClient) => {
			client = readyClient;
			for (const eventName of segmentEventNames) readyClient.event.subscribe(eventName, null, sync);
			watchNavigations(readyClient, () => {
				// BlueConic recomputes the segments after the page view's round trip: read a little later.
				clearTimeout(navigationTimer);
				navigationTimer = setTimeout(sync, settings.navigationDelay);
			});
			sync();
		}),
	);

	// On leaving, `pagehide` comes first and the page is still visible; a tab hidden now may never be seen again.
	const sendBeacon = guard(delivery.sendBeacon);
	addEventListener('pagehide', sendBeacon);
	document.addEventListener('visibilitychange', () => document.hidden && sendBeacon());

	return {
		stop() {
			// The listeners stay, finding nothing to do: another script may have wrapped what we wrapped since.
			stopped = true;
			delivery.cancel();
		},
		flush: sync,
		setConsent(granted) {
			consented = granted === true;
			if (consented) sync();
			else delivery.cancel();
		},
		lastDelivered: () => segmentIdsOf(delivery.delivered()),
	};
}
