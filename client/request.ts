import { DecisionClientError } from './decision-client-error.js';
import type { ResolvedClientOptions } from './options.js';

export interface CollectorCall {
	method: 'GET' | 'POST';
	/** The path requested, relative to the base URL. */
	path: string;
	/** The path as named in messages: the route's template, because the real path can hold a session id. */
	route: string;
	body?: unknown;
	signal?: AbortSignal | undefined;
}

/**
 * Calls a collector backend endpoint with the API key and returns the parsed JSON of a 2xx answer.
 * Everything else becomes a `DecisionClientError`; no retries, since a decision is wanted now or not at all.
 */
export async function callCollector(options: ResolvedClientOptions, call: CollectorCall): Promise<unknown> {
	const what = `${call.method} ${call.route}`;
	const timeout = AbortSignal.timeout(options.timeoutMs);
	const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
	const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${options.apiKey}` };
	if (call.body !== undefined) headers['Content-Type'] = 'application/json';

	let status: number;
	let text: string;
	try {
		const response = await options.fetch(`${options.baseUrl}${call.path}`, {
			method: call.method,
			headers,
			body: call.body === undefined ? null : JSON.stringify(call.body),
			signal,
			redirect: 'error',
		});
		status = response.status;
		text = await response.text();
	} catch (error) {
		// The cause is kept for debugging; fetch's errors carry neither request headers nor the body.
		if (timeout.aborted) {
			throw new DecisionClientError(undefined, 'timeout', `the collector did not answer ${what} within ${options.timeoutMs} ms`, {
				cause: error,
			});
		}
		if (call.signal?.aborted) throw new DecisionClientError(undefined, 'aborted', `${what} was aborted`, { cause: error });
		throw new DecisionClientError(undefined, 'network_error', `${what} failed: ${describeNetworkError(error)}`, { cause: error });
	}

	const json = parseJson(text);
	if (status >= 200 && status < 300) {
		if (json === undefined) throw new DecisionClientError(status, 'invalid_response', `the answer to ${what} is not JSON`);
		return json;
	}
	const collectorError = readErrorBody(json);
	if (collectorError) throw new DecisionClientError(status, collectorError.code, collectorError.message);
	throw new DecisionClientError(status, 'http_error', `the collector answered ${what} with HTTP ${status}`);
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** The collector's `{"error":{"code","message"}}`, when the body is one. */
function readErrorBody(json: unknown): { code: string; message: string } | undefined {
	const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
	if (typeof error?.code !== 'string' || typeof error.message !== 'string') return undefined;
	return { code: error.code, message: error.message };
}

function describeNetworkError(error: unknown): string {
	// Node's fetch says "fetch failed" and puts the reason (ECONNREFUSED, ...) in `cause`.
	const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
	if (typeof cause?.code === 'string') return cause.code;
	if (typeof cause?.message === 'string') return cause.message;
	return error instanceof Error ? error.message : String(error);
}
