/**
 * One HTTP exchange with BlueConic under a deadline. The deadline covers reading the body too, so a server that
 * sends headers and then stalls cannot hold a caller forever. Failures come back as data for the retry loop;
 * only the caller's own abort (Ctrl-C, shutdown) is thrown.
 */

export type AttemptOutcome =
	| { readonly status: 'answered'; readonly httpStatus: number; readonly headers: Headers; readonly bodyText: string }
	| { readonly status: 'timeout' }
	| { readonly status: 'network'; readonly message: string };

export interface AttemptOptions {
	readonly timeoutMs: number;
	readonly signal?: AbortSignal | undefined;
	readonly fetch: typeof fetch;
}

export async function attemptRequest(url: string, init: RequestInit, options: AttemptOptions): Promise<AttemptOutcome> {
	const deadline = AbortSignal.timeout(options.timeoutMs);
	const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
	try {
		const response = await options.fetch(url, { ...init, signal });
		const bodyText = await response.text();
		return { status: 'answered', httpStatus: response.status, headers: response.headers, bodyText };
	} catch (error) {
		if (options.signal?.aborted) throw options.signal.reason;
		if (deadline.aborted) return { status: 'timeout' };
		return { status: 'network', message: describeNetworkError(error) };
	}
}

/** undici hides the useful part (ECONNREFUSED, ECONNRESET, ...) in `cause`. */
function describeNetworkError(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
	if (cause && typeof cause.code === 'string') return `${error.message} (${cause.code})`;
	if (cause && typeof cause.message === 'string') return `${error.message} (${cause.message})`;
	return error.message;
}

export function parseJsonOrUndefined(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}
