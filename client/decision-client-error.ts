/**
 * The one error the decision client throws. `status` is the collector's HTTP status, or `undefined` when no
 * answer arrived (timeout, network error). `code` is the collector's snake_case code when it sent one, otherwise
 * one of the client's own: `timeout`, `aborted`, `network_error`, `http_error`, `invalid_response`.
 * Messages never hold the API key or a session id.
 */
export class DecisionClientError extends Error {
	override readonly name = 'DecisionClientError';

	constructor(
		readonly status: number | undefined,
		readonly code: string,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}

export function isDecisionClientError(value: unknown): value is DecisionClientError {
	return value instanceof DecisionClientError;
}
