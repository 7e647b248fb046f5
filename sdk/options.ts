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
	for (const [name, defaultValue] of Object.entries(optionDefaults)) {
		let value: unknown = options[name as keyof typeof options] ?? defaultValue;
		if (typeof defaultValue === 'boolean') value = value !== false && value !== 'false';
		if (typeof defaultValue === 'number') {
			const number = Number(value);
			value = number >= 0 && number < Infinity ? number : defaultValue;
		}
		resolved[name] = value;
	}
	return resolved as ResolvedOptions;
}
