/**
 * BlueConic answered 2xx, but not with what its API documents (not JSON, or results whose identifiers are not
 * exactly the entries'). We cannot tell what was stored, so nothing counts as stored; re-sending is safe because
 * every entry is an UPSERT keyed by email.
 */
export class BlueConicAnswerError extends Error {
	override readonly name = 'BlueConicAnswerError';
}

export function isBlueConicAnswerError(value: unknown): value is BlueConicAnswerError {
	return value instanceof BlueConicAnswerError;
}
