import { BlueConicAnswerError } from './errors/blueconic-answer-error.js';
import { parseJsonOrUndefined } from './http-attempt.js';
import {
	isProfileState,
	type ProfileEntry,
	type ProfileValidationError,
	type ProfileWriteResult,
} from './profile-entry.js';

/**
 * Reads BlueConic's answer to `PUT /rest/v2/profiles` into one result per entry, in the entries' order. Results are
 * matched by the `identifier` we sent; an answer without identifiers is matched by position only when it has
 * exactly one result per entry. Anything else is a `BlueConicAnswerError`: better to re-send than to guess.
 */
export function readProfileWriteResults(bodyText: string, entries: readonly ProfileEntry[]): ProfileWriteResult[] {
	const body = parseJsonOrUndefined(bodyText);
	if (!Array.isArray(body)) throw new BlueConicAnswerError('BlueConic answered a profiles request without a JSON array');
	const byIdentifier = new Map<string, ProfileWriteResult>();
	const positional: ProfileWriteResult[] = [];
	for (const [index, item] of body.entries()) {
		const fields = (item ?? {}) as { state?: unknown; profileId?: unknown; identifier?: unknown; validationErrors?: unknown };
		if (!isProfileState(fields.state)) {
			throw new BlueConicAnswerError(`BlueConic answered an unknown state for result ${index}: ${String(fields.state)}`);
		}
		const identifier = typeof fields.identifier === 'string' ? fields.identifier : undefined;
		const result: ProfileWriteResult = {
			identifier: identifier ?? entries[index]?.identifier ?? '',
			state: fields.state,
			profileId: typeof fields.profileId === 'string' ? fields.profileId : undefined,
			validationErrors: readValidationErrors(fields.validationErrors),
		};
		positional.push(result);
		if (identifier !== undefined) byIdentifier.set(identifier, result);
	}
	return entries.map((entry, index) => {
		const result = byIdentifier.get(entry.identifier) ?? (body.length === entries.length ? positional[index] : undefined);
		if (result === undefined) {
			throw new BlueConicAnswerError(`BlueConic's answer has no result for the entry "${entry.identifier}"`);
		}
		return result;
	});
}

function readValidationErrors(value: unknown): ProfileValidationError[] {
	if (!Array.isArray(value)) return [];
	return value.map((item: unknown) => {
		if (typeof item === 'string') return { message: item };
		const fields = (item ?? {}) as { field?: unknown; id?: unknown; message?: unknown };
		const field = typeof fields.field === 'string' ? fields.field : typeof fields.id === 'string' ? fields.id : undefined;
		const message = typeof fields.message === 'string' ? fields.message : JSON.stringify(item);
		return field === undefined ? { message } : { field, message };
	});
}
