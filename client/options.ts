export interface DecisionClientOptions {
	/** The collector's base URL, e.g. `https://collector.example.com` (a path prefix is kept). */
	baseUrl: string;
	/** One of the collector's `apiKeys`, sent as `Authorization: Bearer <apiKey>`. */
	apiKey: string;
	/** How long a call may take before it fails with code `timeout`. Default 2 000 ms. */
	timeoutMs?: number;
	/** A `fetch` implementation; default the global one. */
	fetch?: typeof globalThis.fetch;
}

export interface ResolvedClientOptions {
	baseUrl: string;
	apiKey: string;
	timeoutMs: number;
	fetch: typeof globalThis.fetch;
}

const defaultTimeoutMs = 2_000;

/** Checks every option once; throws a `TypeError` naming the first bad one (never echoing the API key). */
export function resolveClientOptions(options: DecisionClientOptions): ResolvedClientOptions {
	const { baseUrl, apiKey, timeoutMs = defaultTimeoutMs, fetch = globalThis.fetch } = options ?? {};
	if (typeof baseUrl !== 'string' || !/^https?:$/.test(safeUrl(baseUrl)?.protocol ?? '')) {
		throw new TypeError('baseUrl option must be an absolute http or https URL');
	}
	const { username, password } = safeUrl(baseUrl) as URL;
	// fetch refuses credentials in a URL with a message quoting it whole, path and session id included.
	if (username !== '' || password !== '') throw new TypeError('baseUrl option must not hold a user name or password');
	// The paths are appended to baseUrl: after a query or a fragment they would not be paths.
	if (/[?#]/.test(baseUrl)) throw new TypeError('baseUrl option must not hold a query or a fragment');
	if (typeof apiKey !== 'string' || apiKey.trim() === '' || /\s/.test(apiKey)) {
		throw new TypeError('apiKey option must be a non-empty string without spaces');
	}
	if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new TypeError('timeoutMs option must be a positive integer');
	if (typeof fetch !== 'function') throw new TypeError('fetch option must be a function');
	return { baseUrl: withoutTrailingSlashes(baseUrl), apiKey, timeoutMs, fetch };
}

function safeUrl(value: string): URL | undefined {
	try {
		return new URL(value);
	} catch {
		return undefined;
	}
}

/** `url` without its trailing slashes; a loop, as `/\/+$/` backtracks quadratically on a long run of slashes. */
function withoutTrailingSlashes(url: string): string {
	let end = url.length;
	while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
	return url.slice(0, end);
}
