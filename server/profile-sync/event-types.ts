/**
 * Zephr names its user-created event `CREATE_USER`; the update event's exact name is unconfirmed, so anything that
 * reads as "a user was created or changed" (UPDATE_USER, USER_UPDATED, UPDATE_USER_ATTRIBUTES, ...) is synced, and
 * every other event (DELETE_USER, LOGIN, ...) is acknowledged and ignored.
 */
export type EventKind = 'user_upsert' | 'ignored';

const upsertWords = new Set(['CREATE', 'CREATED', 'UPDATE', 'UPDATED', 'UPSERT', 'REGISTER', 'REGISTERED', 'MODIFY', 'MODIFIED']);
const deleteWords = new Set(['DELETE', 'DELETED', 'REMOVE', 'REMOVED', 'ERASE', 'ERASED', 'FORGET']);

export function classifyEventType(type: string): EventKind {
	const words = type.toUpperCase().split(/[^A-Z]+/).filter(Boolean);
	if (!words.includes('USER') || words.some((word) => deleteWords.has(word))) return 'ignored';
	return words.some((word) => upsertWords.has(word)) ? 'user_upsert' : 'ignored';
}
