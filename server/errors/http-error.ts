/**
 * The one error type the collector turns into an HTTP answer. Everything else that is thrown is unexpected:
 * it becomes a 500 with a request id, and its stack goes to the log, never to the client.
 */
export class HttpError extends Error {
	override readonly name = 'HttpError';

	constructor(
		readonly status: number,
		/** snake_case, stable: clients branch on it. */
		readonly code: string,
		message: string,
		/** Extra response headers, e.g. `Retry-After` on a 429 or 503. */
		readonly headers: Readonly<Record<string, string>> = {},
	) {
		super(message);
	}

	/** The body every error answer has, per the HTTP API contract. */
	toJSON(): { error: { code: string; message: string } } {
		return { error: { code: this.code, message: this.message } };
	}
}

export function isHttpError(value: unknown): value is HttpError {
	return value instanceof HttpError;
}
