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
 * matched to entries by the `identifier` we sent, never by position: an answer whose identifiers are not exactly the
 * request's (one missing, unknown or repeated) cannot say which profile got which state. That is a
 * `BlueConicAnswerError`, and no entry of the request counts as stored: re-sending is safe, every entry being an
 * UPSERT keyed by email. Messages count entries instead of naming them: identifiers are users' emails.
 */
export function readProfileWriteResults(bodyText: string, entries: readonly ProfileEntry[]): ProfileWriteResult[] {
	const body = parseJsonOrUndefined(bodyText);
	if (!Array.isArray(body)) throw new BlueConicAnswerError('BlueConic answered a profiles request without a JSON array');
	const requested = new Set(entries.map((entry) => entry.identifier));
	const byIdentifier = new Map<string, ProfileWriteResult>();
	for (const [index, item] of body.entries()) {
		const fields = (item ?? {}) as { state?: unknown; profileId?: unknown; identifier?: unknown; validationErrors?: unknown };
		if (!isProfileState(fields.state)) {
			throw new BlueConicAnswerError(`BlueConic answered an unknown state for result ${index}: ${String(fields.state).slice(0, 40)}`);
		}
		const { identifier } = fields;
		const mismatch =
			typeof identifier !== 'string'
				? 'no identifier'
				: !requested.has(identifier)
					? 'an identifier the request did not hold'
					: byIdentifier.has(identifier)
						? 'a repeated identifier'
						: undefined;
		if (mismatch !== undefined || typeof identifier !== 'string') {
			throw new BlueConicAnswerError(`BlueConic's result ${index} to a profiles request has ${mismatch}: it cannot be matched to an entry sent`);
		}
		byIdentifier.set(identifier, {
			identifier,
			state: fields.state,
			profileId: typeof fields.profileId === 'string' ? fields.profileId : undefined,
			validationErrors: readValidationErrors(fields.validationErrors),
		});
	}
	if (byIdentifier.size !== entries.length) {
		throw new BlueConicAnswerError(`BlueConic answered for ${byIdentifier.size} of the ${entries.length} entries of a profiles request`);
	}
	return entries.map((entry) => byIdentifier.get(entry.identifier) as ProfileWriteResult);
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
