/**
 * BlueConic answered 2xx, but not with what its API documents (not JSON, or not one result per entry). We cannot
 * tell what was stored; re-sending is safe because every entry is an UPSERT keyed by email.
 */
export class BlueConicAnswerError extends Error {
	override readonly name = 'BlueConicAnswerError';
}

export function isBlueConicAnswerError(value: unknown): value is BlueConicAnswerError {
	return value instanceof BlueConicAnswerError;
}
