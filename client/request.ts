import { DecisionClientError } from './decision-client-error.js';
import type { ResolvedClientOptions } from './options.js';
import { redactSessionId } from './redact-session-id.js';

export interface CollectorCall {
	method: 'GET' | 'POST';
	/** The path requested, relative to the base URL. */
	path: string;
	/** The path as named in messages: the route's template, because the real path can hold a session id. */
	route: string;
	/** The session id the path or body holds: taken out of any text from the answer that a message repeats. */
	sessionId?: string;
	body?: unknown;
	signal?: AbortSignal | undefined;
}

/** A message quoted from an answer is cut here: an error's message is a sentence, not a page. */
const maxQuotedMessageLength = 500;

/** The collector's codes; anything else in an error body (not the collector's, say) counts as no code at all. */
const errorCode = /^[a-z][a-z0-9_]{0,63}$/;

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
		const reason = redactSessionId(describeNetworkError(error), call.sessionId);
		throw new DecisionClientError(undefined, 'network_error', `${what} failed: ${reason}`, { cause: error });
	}

	const json = parseJson(text);
	if (status >= 200 && status < 300) {
		if (json === undefined) throw new DecisionClientError(status, 'invalid_response', `the answer to ${what} is not JSON`);
		return json;
	}
	const collectorError = readErrorBody(json);
	if (collectorError) {
		// Named by the route template first: the collector's message may be about another path (a wrong baseUrl).
		const message = redactSessionId(collectorError.message.slice(0, maxQuotedMessageLength), call.sessionId);
		throw new DecisionClientError(status, collectorError.code, `${what}: ${message}`);
	}
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
	if (typeof error?.code !== 'string' || !errorCode.test(error.code) || typeof error.message !== 'string') return undefined;
	return { code: error.code, message: error.message };
}

function describeNetworkError(error: unknown): string {
	// Node's fetch says "fetch failed" and puts the reason (ECONNREFUSED, ...) in `cause`.
	const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
	if (typeof cause?.code === 'string') return cause.code;
	if (typeof cause?.message === 'string') return cause.message;
	return error instanceof Error ? error.message : String(error);
}
