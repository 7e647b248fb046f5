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

/**
 * Where a session check comes from, so a validator that asks an upstream can share its capacity fairly
 * between clients. Both fields are as the request carried them; the validator decides what to trust.
 */
export interface SessionClient {
	/** The request's peer address (`req.socket.remoteAddress`). */
	remoteAddress?: string | undefined;
	/** The request's `X-Forwarded-For`, trusted only when the peer is a configured proxy. */
	forwardedFor?: string | undefined;
}

export interface SessionValidator {
	/** A plain answer when the validator has it at hand (a cache, a signature), a promise when it must ask. */
	validate(cookieValue: string, client?: SessionClient): SessionCheck | Promise<SessionCheck>;
	/**
	 * For a cookie `validate` just found valid: until when (ms since the epoch) the collector may take it as valid
	 * without asking again (the end of the validator's own cache entry, a signed cookie's expiry); `undefined`:
	 * ask every time. Validators without it (in-process sessions, which can be ended) are asked every time.
	 */
	reusableUntil?(cookieValue: string): number | undefined;
	close?(): Promise<void>;
}
