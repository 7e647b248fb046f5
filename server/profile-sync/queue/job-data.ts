import type { ProfileState } from '../../blueconic/profile-entry.js';

/**
 * One BullMQ job per email per webhook request: "this email has an update pending" (the update itself is in the
 * pending hash, see pending-profiles.ts). Kept small, and readable by `blueconic-bridge queue failed`.
 */
export interface ProfileJobData {
	/** Trimmed and lower-cased, as BlueConic matches on it. */
	readonly email: string;
	/** The update's sequence number: later updates of the email have larger ones. */
	readonly seq: number;
	/** Zephr's `user_id`s of the records merged into this update, to tell operators who it was. */
	readonly userIds: readonly string[];
}

/** What a completed job did. */
export type ProfileJobResult =
	/** BlueConic stored the profile (CREATED, MODIFIED or UNCHANGED), with this and any older pending update in it. */
	| { readonly outcome: 'delivered'; readonly state: ProfileState; readonly profileId?: string }
	/** Nothing was pending any more: another job's send delivered this update, or a consent withdrawal cancelled it. */
	| { readonly outcome: 'covered' };
