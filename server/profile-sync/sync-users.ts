import type { BlueConicClient } from '../blueconic/profiles-client.js';
import type { ProfileState, ProfileValidationError } from '../blueconic/profile-entry.js';
import type { ProfileMappingConfig, ProfileSyncConfig } from '../config/schema.js';
import { type EmailGroup, groupUsersByEmail } from './email-groups.js';
import { toProfileEntry } from './mapping.js';
import type { ProfileSyncMetrics } from './metrics.js';
import type { AttributeIssue, RejectionReason, SyncUser } from './sync-user.js';

/** What happened to one user, in the order the users were given. */
export type UserSyncResult =
	| {
			readonly status: 'sent';
			readonly email: string;
			readonly userId: string | undefined;
			/** BlueConic's answer; only CREATED, MODIFIED and UNCHANGED mean the profile holds what we sent. */
			readonly state: ProfileState;
			readonly profileId: string | undefined;
			readonly validationErrors: readonly ProfileValidationError[];
			/** Attributes left out because their values did not fit their BlueConic type. */
			readonly attributeIssues: readonly AttributeIssue[];
	  }
	| {
			readonly status: 'rejected';
			readonly email: string | undefined;
			readonly userId: string | undefined;
			readonly reason: RejectionReason;
			readonly message: string;
	  }
	| { readonly status: 'skipped'; readonly email: string; readonly userId: string | undefined; readonly reason: 'consent' };

/** What of `profileSync` the sync itself reads; the request limits come from the rest of it. */
export type ProfileSyncRules = Pick<ProfileSyncConfig, 'consentAttribute' | 'objectiveIds'>;

export interface UserSyncerOptions {
	readonly client: BlueConicClient;
	readonly profileMapping: ProfileMappingConfig;
	readonly profileSync: ProfileSyncRules;
	readonly metrics: ProfileSyncMetrics;
}

/**
 * Maps, gates and sends users to BlueConic; resolves once BlueConic has answered for every entry sent. Users with
 * the same email are merged into one entry (later values win per property) so one request never sends a profile
 * twice; the last of them decides consent, so a withdrawal later in the batch wins. BlueConic failures are thrown
 * (see `BlueConicClient.putProfiles`): nothing is reported as done that BlueConic did not answer for.
 */
export async function syncUsers(
	users: readonly SyncUser[],
	options: UserSyncerOptions,
	signal?: AbortSignal,
): Promise<UserSyncResult[]> {
	const { profileMapping, profileSync, metrics } = options;
	const { groups, rejected, attributeIssues } = groupUsersByEmail(users, profileMapping, profileSync.consentAttribute, metrics);
	const results = users.map((_, index): UserSyncResult | undefined => rejected.get(index));

	const sendable: EmailGroup[] = [];
	for (const group of groups) {
		if (group.consented) {
			sendable.push(group);
			continue;
		}
		for (const index of group.userIndexes) {
			results[index] = { status: 'skipped', email: group.email, userId: users[index]?.userId, reason: 'consent' };
			metrics.rejected.inc({ reason: 'consent' });
		}
	}

	if (sendable.length > 0) {
		const entries = sendable.map((group) => toProfileEntry(group.email, [...group.properties.values()], profileMapping));
		const answers = await options.client.putProfiles(entries, { objectiveIds: profileSync.objectiveIds, signal });
		for (const [groupIndex, group] of sendable.entries()) {
			const answer = answers[groupIndex];
			if (answer === undefined) throw new Error(`no BlueConic answer for entry ${groupIndex}`); // putProfiles answers every entry
			metrics.profiles.inc({ state: answer.state });
			for (const index of group.userIndexes) {
				results[index] = {
					status: 'sent',
					email: group.email,
					userId: users[index]?.userId,
					state: answer.state,
					profileId: answer.profileId,
					validationErrors: answer.validationErrors,
					attributeIssues: attributeIssues.get(index) ?? [],
				};
			}
		}
	}
	return results.map((result, index) => {
		if (result === undefined) throw new Error(`user ${index} has no sync result`); // every branch above sets one
		return result;
	});
}
