import type { QueuedUserResult } from './queue/enqueue.js';
import type { UserSyncResult } from './sync-users.js';

/** One entry of a webhook answer's `results`, in the order the users came in. */
export type WebhookResultEntry =
	| {
			email: string;
			userId?: string;
			state: string;
			profileId?: string;
			validationErrors?: readonly { field?: string; message: string }[];
			skippedAttributes?: readonly { attributeId: string; reason: string }[];
	  }
	| { email?: string; userId?: string; rejected: string; message: string }
	| { email: string; userId?: string; skipped: 'consent' }
	| { ignored: string; userId?: string };

export function resultEntryForUser(result: UserSyncResult | QueuedUserResult): WebhookResultEntry {
	const userId = result.userId === undefined ? {} : { userId: result.userId };
	switch (result.status) {
		case 'sent':
			return {
				email: result.email,
				...userId,
				state: result.state,
				...(result.profileId === undefined ? {} : { profileId: result.profileId }),
				...(result.validationErrors.length > 0 ? { validationErrors: result.validationErrors } : {}),
				...(result.attributeIssues.length > 0 ? { skippedAttributes: result.attributeIssues } : {}),
			};
		case 'rejected':
			return { ...(result.email === undefined ? {} : { email: result.email }), ...userId, rejected: result.reason, message: result.message };
		case 'skipped':
			return { email: result.email, ...userId, skipped: result.reason };
		case 'queued':
			return {
				email: result.email,
				...userId,
				state: 'queued',
				...(result.attributeIssues.length > 0 ? { skippedAttributes: result.attributeIssues } : {}),
			};
	}
}

export function resultEntryForIgnoredEvent(eventType: string, userId: string | undefined): WebhookResultEntry {
	return userId === undefined ? { ignored: eventType } : { ignored: eventType, userId };
}
