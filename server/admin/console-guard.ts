import type { Context, Middleware, Next } from 'koa';
import type { CollectorConfig } from '../config/schema.js';
import { HttpError } from '../errors/http-error.js';
import { readCookie } from '../http/session.js';
import { capText } from '../utils/cap-text.js';
import type { AdminSessions } from './admin-sessions.js';

/**
 * The checks every console request passes, once, on the router (STYLE.md): the console is on, and for the API a
 * signed-in session and, on writes, the CSRF token. Each puts what it found on `ctx.state.console`.
 */

export const consolePath = '/plugins/blueconic/admin';
export const sessionCookieName = 'bcb_admin';

export interface ConsoleState {
	/** The configuration in force when the request started (read once, see `LiveSettings`). */
	config: CollectorConfig;
	adminKeys: readonly string[];
	/** The signed-in session's token, once `signedIn` has checked it. */
	sessionToken?: string;
}

export function consoleStateOf(ctx: Context): ConsoleState {
	return (ctx.state as { console: ConsoleState }).console;
}

const securityHeaders: Readonly<Record<string, string>> = {
	'Cache-Control': 'no-store',
	'Content-Security-Policy':
		"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	'X-Content-Type-Options': 'nosniff',
	'Referrer-Policy': 'no-referrer',
	'X-Frame-Options': 'DENY',
};

/** Without `adminKeys` the console does not exist: the JSON 404 any unknown path gets. */
export function consoleOn(currentConfig: () => CollectorConfig): Middleware {
	return async (ctx: Context, next: Next) => {
		const config = currentConfig();
		if (config.adminKeys === undefined || config.adminKeys.length === 0) {
			throw new HttpError(404, 'not_found', `${ctx.method} ${capText(ctx.path, 200)}: not found`);
		}
		ctx.set(securityHeaders);
		(ctx.state as { console: ConsoleState }).console = { config, adminKeys: config.adminKeys };
		await next();
	};
}

/** The API needs a signed-in session: 401 `admin_session_missing` or `admin_session_expired` otherwise. */
export function signedIn(sessions: AdminSessions): Middleware {
	return async (ctx: Context, next: Next) => {
		const state = consoleStateOf(ctx);
		const check = sessions.check(state.adminKeys, readCookie(ctx.get('Cookie') || undefined, sessionCookieName));
		if (check.status === 'missing') throw new HttpError(401, 'admin_session_missing', 'sign in to the console with an admin key');
		// A token from other admin keys (changed since) reads as expired: either way, sign in again.
		if (check.status !== 'valid') throw new HttpError(401, 'admin_session_expired', 'the console session has ended; sign in again');
		state.sessionToken = check.token;
		await next();
	};
}

/**
 * A write needs `X-CSRF-Token` (derived from the session, see `AdminSessions.csrfTokenOf`) and a JSON body type:
 * a form another site posts can send neither. Checked before the session, so such a post is refused 403 whatever
 * cookies it carries.
 */
export function csrfChecked(sessions: AdminSessions): Middleware {
	const checkSession = signedIn(sessions);
	return async (ctx: Context, next: Next) => {
		const csrfToken = ctx.get('X-CSRF-Token');
		if (csrfToken === '') throw csrfInvalid('send the X-CSRF-Token header the session answer gave');
		requireJsonType(ctx);
		await checkSession(ctx, async () => {
			const state = consoleStateOf(ctx);
			if (!sessions.isCsrfTokenOf(state.adminKeys, state.sessionToken ?? '', csrfToken)) {
				throw csrfInvalid('the X-CSRF-Token header does not belong to this session');
			}
			await next();
		});
	};
}

/** Every console write is JSON: a cross-site form can only send urlencoded, multipart or plain text. */
export function requireJsonType(ctx: Context): void {
	const contentType = ctx.get('Content-Type').split(';')[0]?.trim().toLowerCase();
	if (contentType !== 'application/json') {
		throw new HttpError(415, 'unsupported_media_type', 'console writes must be sent as application/json');
	}
}

function csrfInvalid(message: string): HttpError {
	return new HttpError(403, 'csrf_token_invalid', message);
}
