import type { SessionIdentity, SessionValidator } from '../sessions/session-validator.js';

/**
 * Who a session named by a backend belongs to, for a decision that may ask BlueConic. The backend sends the
 * session id, which is the cookie value for the `http` and `memory` validators, so the validator (and its cache)
 * answers; a session it cannot check or vouch for has no identity and is decided from the browser's report.
 */
export async function backendSessionIdentity(sessions: SessionValidator, sessionId: string): Promise<SessionIdentity | undefined> {
	try {
		const check = await sessions.validate(sessionId);
		return check.status === 'valid' && check.sessionId === sessionId ? check.identity : undefined;
	} catch {
		return undefined;
	}
}
