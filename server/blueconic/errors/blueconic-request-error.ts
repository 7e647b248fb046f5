/** One field BlueConic named in a 400 answer. */
export interface BlueConicFieldError {
	readonly field: string;
	readonly message: string;
}

/**
 * BlueConic refused a request as malformed (400, or 413 for a single entry). Sending the same request again would
 * fail again, so this is not retried; it usually means a mapping names a property BlueConic does not have.
 */
export class BlueConicRequestError extends Error {
	override readonly name = 'BlueConicRequestError';

	constructor(
		readonly status: number,
		/** BlueConic's `code`, or `http_<status>` when its answer had none. */
		readonly code: string,
		message: string,
		readonly fieldErrors: readonly BlueConicFieldError[] = [],
	) {
		super(message);
	}
}

export function isBlueConicRequestError(value: unknown): value is BlueConicRequestError {
	return value instanceof BlueConicRequestError;
}
