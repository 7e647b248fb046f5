import type { ProfilePropertyWrite } from '../blueconic/profile-entry.js';
import type { ProfileMappingConfig } from '../config/schema.js';
import { consentDecision } from './consent.js';
import { mapUser } from './mapping.js';
import type { ProfileSyncMetrics } from './metrics.js';
import type { AttributeIssue, SyncUser } from './sync-user.js';
import type { UserSyncResult } from './sync-users.js';

/** Users sharing one email, merged into the one entry (sent, or queued) for them. */
export interface EmailGroup {
	readonly email: string;
	readonly properties: Map<string, ProfilePropertyWrite>;
	/** Indexes of the users merged here, in input order. */
	readonly userIndexes: number[];
	consented: boolean;
}

export type RejectedUserResult = Extract<UserSyncResult, { status: 'rejected' }>;

export interface GroupedUsers {
	readonly groups: readonly EmailGroup[];
	/** Users that could not be mapped (no usable email), by input index. */
	readonly rejected: ReadonlyMap<number, RejectedUserResult>;
	/** Attributes left out of each mapped user, by input index. */
	readonly attributeIssues: ReadonlyMap<number, readonly AttributeIssue[]>;
}

/**
 * Maps users and merges those with the same email (later values win per property), so one request never carries
 * a profile twice; the last of them decides consent, so a withdrawal later in the batch wins. The direct sync and
 * the queue both start here.
 */
export function groupUsersByEmail(
	users: readonly SyncUser[],
	profileMapping: ProfileMappingConfig,
	consentAttribute: string | undefined,
	metrics: ProfileSyncMetrics,
): GroupedUsers {
	const groups = new Map<string, EmailGroup>();
	const rejected = new Map<number, RejectedUserResult>();
	const attributeIssues = new Map<number, readonly AttributeIssue[]>();
	for (const [index, user] of users.entries()) {
		const mapped = mapUser(user, profileMapping);
		if (mapped.status === 'rejected') {
			rejected.set(index, { status: 'rejected', email: user.email, userId: user.userId, reason: mapped.reason, message: mapped.message });
			metrics.rejected.inc({ reason: mapped.reason });
			continue;
		}
		let group = groups.get(mapped.email);
		if (group === undefined) {
			group = { email: mapped.email, properties: new Map(), userIndexes: [], consented: true };
			groups.set(mapped.email, group);
		}
		for (const property of mapped.properties) group.properties.set(property.id, property);
		group.userIndexes.push(index);
		group.consented = consentDecision(user.attributes, consentAttribute) !== 'withheld';
		attributeIssues.set(index, mapped.attributeIssues);
		metrics.attributesSkipped.inc(mapped.attributeIssues.length);
	}
	return { groups: [...groups.values()], rejected, attributeIssues };
}
