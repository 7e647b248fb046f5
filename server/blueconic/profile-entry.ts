/**
 * The shapes of BlueConic's `PUT /rest/v2/profiles` (REST v2): what one entry holds and what BlueConic answers for
 * it. Values are always strings on the wire, whatever the property's type.
 */

/** Set replaces the property's values; the other strategies exist in BlueConic but profile sync only sets. */
export type PropertyStrategy = 'SET' | 'ADD' | 'SET_IF_EMPTY' | 'INCREMENT' | 'REMOVE';

export interface ProfilePropertyWrite {
	readonly id: string;
	readonly values: readonly string[];
	readonly strategy: PropertyStrategy;
}

/** `matching` is OR over the outer array and AND over each inner one. */
export interface ProfileMatchCondition {
	readonly id: string;
	readonly value: string;
}

export interface ProfileEntry {
	readonly matching: readonly (readonly ProfileMatchCondition[])[];
	readonly properties: readonly ProfilePropertyWrite[];
	readonly strategy: 'UPSERT' | 'UPDATE' | 'CREATE';
	/** Echoed back in the answer, so a result maps to its entry even if BlueConic reorders them. */
	readonly identifier: string;
}

/** Every per-entry state BlueConic documents. */
export const profileStates = [
	'CREATED',
	'MODIFIED',
	'UNCHANGED',
	'SKIPPED',
	'NOTFOUND',
	'RESTRICTION_MISMATCH',
	'CONSENT_MISMATCH',
	'DELETED',
	'UNAUTHORIZED',
] as const;

export type ProfileState = (typeof profileStates)[number];

/** States meaning the profile now holds what we sent. The others are BlueConic's final word that it does not. */
export const acceptedProfileStates: ReadonlySet<ProfileState> = new Set(['CREATED', 'MODIFIED', 'UNCHANGED']);

export function isProfileState(value: unknown): value is ProfileState {
	return typeof value === 'string' && (profileStates as readonly string[]).includes(value);
}

export interface ProfileValidationError {
	readonly field?: string;
	readonly message: string;
}

/** BlueConic's answer for one entry. */
export interface ProfileWriteResult {
	readonly identifier: string;
	readonly state: ProfileState;
	readonly profileId: string | undefined;
	readonly validationErrors: readonly ProfileValidationError[];
}
