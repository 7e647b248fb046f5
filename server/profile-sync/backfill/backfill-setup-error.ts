/**
 * The backfill cannot start: its input or state file is unreadable, or the state file belongs to another input.
 * Nothing was sent; the message says which file and why, in one line.
 */
export class BackfillSetupError extends Error {
	override readonly name = 'BackfillSetupError';
}

export function isBackfillSetupError(value: unknown): value is BackfillSetupError {
	return value instanceof BackfillSetupError;
}
