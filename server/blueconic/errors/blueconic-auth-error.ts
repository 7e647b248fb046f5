/**
 * BlueConic refused our credentials: the token endpoint answered `invalid_client` (or another OAuth error), or a
 * fresh token was still answered 401/403. Retrying cannot help; an operator must fix the configuration.
 * The message never contains the client secret or a token.
 */
export class BlueConicAuthError extends Error {
	override readonly name = 'BlueConicAuthError';

	constructor(
		/** The OAuth error code (`invalid_client`, `unsupported_grant_type`, ...) or `unauthorized` / `forbidden`. */
		readonly code: string,
		/** The HTTP status BlueConic answered. */
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export function isBlueConicAuthError(value: unknown): value is BlueConicAuthError {
	return value instanceof BlueConicAuthError;
}
