/** Who a valid session belongs to, when the validator can tell (Zephr's `/blaize/account` answer). */
export interface SessionIdentity {
	email?: string;
	trackingId?: string;
	userId?: string;
}

/**
 * The answer to "is this cookie a live session?". `unavailable` means the validator could not tell (its
 * upstream failed or timed out): the collector answers 503 then, never treats the session as valid.
 */
export type SessionCheck =
	| { status: 'valid'; sessionId: string; identity?: SessionIdentity }
	| { status: 'invalid'; reason: 'forged' | 'expired' | 'unknown' }
	| { status: 'unavailable'; reason: string };

export interface SessionValidator {
	validate(cookieValue: string): Promise<SessionCheck>;
	close?(): Promise<void>;
}
