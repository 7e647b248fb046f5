import { createHash } from 'node:crypto';

/** The BullMQ queue's name; its keys are `<keyPrefix>profile-sync:*`. */
export const profileSyncQueueName = 'profile-sync';

/** The BullMQ job name every queued user's job carries. */
export const profileJobName = 'profile';

/**
 * BullMQ joins its `prefix` and the queue name with ":", so the configured `store.keyPrefix` ("bcb:") loses its
 * own trailing colon here and the queue's keys read `bcb:profile-sync:wait`, beside the store's `bcb:...` keys.
 */
export function bullPrefix(keyPrefix: string): string {
	const trimmed = keyPrefix.endsWith(':') ? keyPrefix.slice(0, -1) : keyPrefix;
	return trimmed === '' ? 'bull' : trimmed;
}

/** Where the pending profile of one email lives: a digest, so that no email address appears in a key name. */
export function pendingProfileKey(keyPrefix: string, emailDigest: string): string {
	return `${keyPrefix}profile-sync-pending:${emailDigest}`;
}

/** The counter that numbers enqueued updates, so that a later update of one email is known to be later. */
export function updateSequenceKey(keyPrefix: string): string {
	return `${keyPrefix}profile-sync-sequence`;
}

/** SHA-256 of the (normalised) email, base64url: 43 characters whatever the address. */
export function emailDigest(email: string): string {
	return createHash('sha256').update(email).digest('base64url');
}
