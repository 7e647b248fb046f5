/** A report could not be stored because the store (Redis) cannot be reached or refused the write; try again later. */
export class StoreUnavailableError extends Error {
	override readonly name = 'StoreUnavailableError';

	constructor(operation: string, options?: { cause?: unknown }) {
		super(`the segment store cannot be reached (${operation})`, options);
	}
}

export function isStoreUnavailableError(value: unknown): value is StoreUnavailableError {
	return value instanceof StoreUnavailableError;
}
