/** Why BlueConic could not take a request: the transient failures that are retried before giving up. */
export type UnavailableReason = 'rate_limited' | 'unavailable' | 'server_error' | 'network' | 'timeout';

/**
 * BlueConic stayed unreachable or overloaded through every retry we allowed. Nothing was necessarily stored, so the
 * caller should ask its own sender to retry later (`retryAfterMs` is the best hint we have).
 */
export class BlueConicUnavailableError extends Error {
	override readonly name = 'BlueConicUnavailableError';

	constructor(
		readonly reason: UnavailableReason,
		/** When to try again: BlueConic's own `Retry-After` if it sent one, else our next backoff delay. */
		readonly retryAfterMs: number,
		/** Attempts made, the first one included. */
		readonly attempts: number,
		message: string,
	) {
		super(message);
	}
}

export function isBlueConicUnavailableError(value: unknown): value is BlueConicUnavailableError {
	return value instanceof BlueConicUnavailableError;
}
