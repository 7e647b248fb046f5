import type { SessionIdentity, SessionValidator } from '../sessions/session-validator.js';

/**
 * A session the validator does not vouch for: its check could not be made (`unavailable`, busy, thrown) or said
 * it is not a live session. Under `verified` such a session is answered `unknown`, never from its browser report:
 * treating it as anonymous would let a forged report through whenever the session check is down.
 */
export const unvouchedSession = 'unvouched';
export type UnvouchedSession = typeof unvouchedSession;

/**
 * Who a session named by a backend belongs to, for a decision that may ask BlueConic. The backend sends the
 * session id, which is the cookie value for the `http` and `memory` validators, so the validator (and its cache)
 * answers; `undefined` is a live session without an identity (anonymous).
 */
export async function backendSessionIdentity(
	sessions: SessionValidator,
	sessionId: string,
): Promise<SessionIdentity | UnvouchedSession | undefined> {
	try {
		const check = await sessions.validate(sessionId);
		return check.status === 'valid' && check.sessionId === sessionId ? check.identity : unvouchedSession;
	} catch {
		return unvouchedSession;
	}
}
