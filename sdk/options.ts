/**
 * Options of `startSegmentSync`. The script tag reads the same options from its `data-*` attributes
 * (`data-max-attempts="3"` is `maxAttempts: 3`). Every duration is in milliseconds.
 */
export interface SegmentSyncOptions {
	/** Where reports are posted. Default: the same-origin path `/plugins/public/blueconic/segments`. */
	endpoint?: string;
	/** `'required'`: post nothing until `setConsent(true)`. Default `'not-required'`. */
	consent?: 'required' | 'not-required';
	/** Log failures to the console. Off by default: then the SDK never writes to the console. */
	debug?: boolean;
	/** How long to wait for BlueConic's client before giving up quietly. Default 10 000. */
	timeout?: number;
	/** Tries per report, the first included, for network errors, 5xx, 408 and 429. Default 5. */
	maxAttempts?: number;
	/** Backoff before the first retry; it doubles on each further retry, with jitter. Default 1 000. */
	retryDelay?: number;
	/** Longest wait between tries; a `Retry-After` asking for more ends the retries. Default 30 000. */
	maxRetryDelay?: number;
	/** Wait after a single-page-app navigation before re-reading: BlueConic needs a round trip. Default 1 000. */
	navigationDelay?: number;
	/**
	 * Post an unchanged set again once its last delivery is this old, checked whenever the segments are re-read
	 * (no timer): the collector forgets a report `segments.ttlSeconds` (default 1 800 s) after it arrived.
	 * Default 600 000 (10 minutes). 0 posts on every re-read.
	 */
	refreshInterval?: number;
	/**
	 * The session cookie. When the page can read it (not HttpOnly), a new value posts an unchanged set again: the
	 * collector files reports under the session. `''` turns this off. Default `'blaize_session'`.
	 */
	sessionCookie?: string;
	/** Called with every failure (a report given up, BlueConic throwing); never for "BlueConic absent". */
	onError?: (error: Error) => void;
}

export type ResolvedOptions = Required<Omit<SegmentSyncOptions, 'onError'>> & Pick<SegmentSyncOptions, 'onError'>;

/** Every option but `onError`, with its default. The script tag reads these names from its `data-*` attributes. */
export const optionDefaults: Omit<ResolvedOptions, 'onError'> = {
	endpoint: '/plugins/public/blueconic/segments',
	consent: 'not-required',
	debug: false,
	timeout: 10_000,
	maxAttempts: 5,
	retryDelay: 1_000,
	maxRetryDelay: 30_000,
	navigationDelay: 1_000,
	refreshInterval: 600_000,
	sessionCookie: 'blaize_session',
};

/**
 * Fills in the defaults. Takes the ESM options or a script tag's `dataset`, where everything is a string
 * (`data-max-attempts="3"` arrives as `maxAttempts: '3'`): numbers are converted here, and one that is not a
 * finite number >= 0 falls back to its default, so that a typo in the HTML cannot turn a delay into a busy loop or
 * stop the sync. `debug` is on for `true` or an attribute present, unless it says "false". `consent` needs no
 * check: anything but `'not-required'` holds posting, so a typo there fails safe.
 */
export function resolveOptions(options: SegmentSyncOptions | DOMStringMap): ResolvedOptions {
	const resolved: Record<string, unknown> = { onError: options.onError };
	for (const name in optionDefaults) {
		const defaultValue = optionDefaults[name as keyof typeof optionDefaults];
		// A string from a data-* attribute compares as a number: '3' >= 0, 'soon' >= 0 is false ('' counts as 0).
		const value = (options[name as keyof typeof options] ?? defaultValue) as number;
		resolved[name] =
			defaultValue === false
				? (value as unknown) !== false && (value as unknown) !== 'false'
				: typeof defaultValue === 'number'
					? value >= 0 && value < Infinity
						? +value
						: defaultValue
					: value;
	}
	return resolved as ResolvedOptions;
}
