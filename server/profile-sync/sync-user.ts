/** One user to push to BlueConic, whichever input form (Zephr webhook or plain) it came in. */
export interface SyncUser {
	/** As received; checked and normalised by the mapping. */
	readonly email: string | undefined;
	readonly trackingId: string | undefined;
	/** Zephr's `user_id`, kept only to tell the sender which user an answer is about. */
	readonly userId: string | undefined;
	/** Zephr attribute id → value; only attributes named in the mapping are sent. */
	readonly attributes: Readonly<Record<string, unknown>>;
}

/** Why a user was not sent at all. */
export type RejectionReason = 'missing_email' | 'invalid_email';

/** An attribute left out of a profile that was otherwise sent. */
export interface AttributeIssue {
	readonly attributeId: string;
	readonly reason: string;
}
