import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors/http-error.js';
import type { SessionClient, SessionIdentity, SessionValidator } from '../sessions/session-validator.js';
import { sessionKeyOf } from '../store/session-key.js';

export interface RequestSession {
	sessionId: string;
	/** The store key for the session (see `sessionKeyOf`). */
	sessionKey: string;
	/** Who it is, when the validator can tell (an email lets decisions ask BlueConic). */
	identity?: SessionIdentity | undefined;
}

// Longer cookie values are not sessions any validator issues; refusing them early bounds the work per request.
const maxCookieValueLength = 4096;

/**
 * The request's session, from its session cookie; 401 when missing or invalid, 503 when it cannot be checked.
 * `client` (see `sessionClientOf`) lets the validator share its upstream capacity fairly between clients.
 */
export async function requireSession(
	cookieHeader: string | undefined,
	cookieName: string,
	validator: SessionValidator,
	client?: SessionClient,
): Promise<RequestSession> {
	const cookieValue = readCookie(cookieHeader, cookieName);
	if (cookieValue === undefined || cookieValue === '') {
		throw new HttpError(401, 'session_missing', `the request has no ${cookieName} cookie; the visitor must have a session`);
	}
	if (cookieValue.length > maxCookieValueLength) {
		throw new HttpError(401, 'session_invalid', `the ${cookieName} cookie is not a valid session`);
	}
	const check = await validator.validate(cookieValue, client);
	switch (check.status) {
		case 'valid':
			return { sessionId: check.sessionId, sessionKey: sessionKeyOf(check.sessionId), identity: check.identity };
		case 'invalid':
			throw new HttpError(
				401,
				'session_invalid',
				check.reason === 'expired'
					? `the ${cookieName} session has expired`
					: `the ${cookieName} cookie is not a valid session`,
			);
		case 'unavailable':
			throw new HttpError(503, 'session_check_unavailable', 'the session cannot be checked right now; try again shortly', {
				'Retry-After': '5',
			});
	}
}

/** Where a browser request comes from, as the session validator wants it. */
export function sessionClientOf(req: IncomingMessage): SessionClient {
	const forwardedFor = req.headers['x-forwarded-for'];
	return {
		remoteAddress: req.socket.remoteAddress,
		forwardedFor: Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor,
	};
}

/**
 * One cookie's raw value from a `Cookie` header (not URI-decoded: session ids are opaque tokens, forwarded as
 * they came). Written out rather than parsing every cookie into an object: it runs on every browser request.
 */
export function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
	if (cookieHeader === undefined) return undefined;
	for (const pair of cookieHeader.split(';')) {
		const equals = pair.indexOf('=');
		if (equals !== -1 && pair.slice(0, equals).trim() === name) {
			const value = pair.slice(equals + 1).trim();
			return value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
		}
	}
	return undefined;
}
