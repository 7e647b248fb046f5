import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors/http-error.js';
import { SessionRecord, type SessionRecords } from '../sessions/session-records.js';
import type { SessionCheck, SessionClient, SessionIdentity, SessionValidator } from '../sessions/session-validator.js';
import { sessionKeyOf } from '../store/session-key.js';

export interface RequestSession {
	/** The store key for the session (see `sessionKeyOf`). */
	readonly sessionKey: string;
	/** Who it is, when the validator can tell (an email lets decisions ask BlueConic). */
	readonly identity?: SessionIdentity | undefined;
}

// Longer cookie values are not sessions any validator issues; refusing them early bounds the work per request.
const maxCookieValueLength = 4096;

/**
 * The sessions of browser requests: from the session cookie, through the hot-path records (see `SessionRecords`)
 * and, when a cookie has no live record, its validator. A recorded session is answered without a promise, a
 * hash or an object; a `SessionRecord` is what comes back then, its rate window included.
 */
export class BrowserSessions {
	readonly #validator: SessionValidator;
	readonly #records: SessionRecords | undefined;

	/** `records`: undefined for validators whose answers cannot be reused (see `SessionValidator.reusableUntil`). */
	constructor(validator: SessionValidator, records: SessionRecords | undefined) {
		this.#validator = validator;
		this.#records = validator.reusableUntil === undefined ? undefined : records;
	}

	/** The request's session; throws (or rejects with) 401 when missing or invalid, 503 when it cannot be checked. */
	require(req: IncomingMessage, cookieName: string): RequestSession | Promise<RequestSession> {
		const cookieValue = requireCookieValue(req.headers.cookie, cookieName);
		const record = this.#records?.get(cookieValue);
		if (record !== undefined && record.validUntil > Date.now()) return record;
		const check = this.#validator.validate(cookieValue, sessionClientOf(req));
		return check instanceof Promise
			? check.then((answer) => this.#sessionOf(cookieValue, cookieName, answer))
			: this.#sessionOf(cookieValue, cookieName, check);
	}

	#sessionOf(cookieValue: string, cookieName: string, check: SessionCheck): RequestSession {
		if (check.status !== 'valid') {
			if (check.status === 'invalid') this.#records?.forget(cookieValue);
			throw refusal(check, cookieName);
		}
		const validUntil = this.#records === undefined ? undefined : this.#validator.reusableUntil?.(cookieValue);
		const sessionKey = sessionKeyOf(check.sessionId);
		if (validUntil !== undefined && validUntil > Date.now()) {
			const record = this.#records?.remember(cookieValue, sessionKey, check.identity, validUntil);
			if (record !== undefined) return record;
		}
		return { sessionKey, identity: check.identity };
	}
}

/** Whether `session` carries its own in-process rate window (a hot-path record). */
export function isRecorded(session: RequestSession): session is SessionRecord {
	return session instanceof SessionRecord;
}

function requireCookieValue(cookieHeader: string | undefined, cookieName: string): string {
	const cookieValue = readCookie(cookieHeader, cookieName);
	if (cookieValue === undefined || cookieValue === '') {
		throw new HttpError(401, 'session_missing', `the request has no ${cookieName} cookie; the visitor must have a session`);
	}
	if (cookieValue.length > maxCookieValueLength) {
		throw new HttpError(401, 'session_invalid', `the ${cookieName} cookie is not a valid session`);
	}
	return cookieValue;
}

function refusal(check: Exclude<SessionCheck, { status: 'valid' }>, cookieName: string): HttpError {
	if (check.status === 'unavailable') {
		return new HttpError(503, 'session_check_unavailable', 'the session cannot be checked right now; try again shortly', {
			'Retry-After': '5',
		});
	}
	return new HttpError(
		401,
		'session_invalid',
		check.reason === 'expired' ? `the ${cookieName} session has expired` : `the ${cookieName} cookie is not a valid session`,
	);
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
 * they came): the first pair whose name, trimmed, is `name`, its value trimmed and unquoted. Scanned in place
 * rather than split into pairs: it runs on every browser request.
 */
export function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
	if (cookieHeader === undefined) return undefined;
	const length = cookieHeader.length;
	let start = 0;
	while (start <= length) {
		let end = cookieHeader.indexOf(';', start);
		if (end === -1) end = length;
		const equals = cookieHeader.indexOf('=', start);
		if (equals !== -1 && equals < end) {
			let nameStart = start;
			let nameEnd = equals;
			while (nameStart < nameEnd && isTrimmed(cookieHeader.charCodeAt(nameStart))) nameStart++;
			while (nameEnd > nameStart && isTrimmed(cookieHeader.charCodeAt(nameEnd - 1))) nameEnd--;
			if (nameEnd - nameStart === name.length && cookieHeader.startsWith(name, nameStart)) {
				const value = cookieHeader.slice(equals + 1, end).trim();
				return value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
			}
		}
		start = end + 1;
	}
	return undefined;
}

/** What `String.prototype.trim` removes: ECMAScript's white space and line terminators. */
function isTrimmed(code: number): boolean {
	if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
	if (code < 160) return false;
	return (
		code === 160 ||
		code === 0x1680 ||
		(code >= 0x2000 && code <= 0x200a) ||
		code === 0x2028 ||
		code === 0x2029 ||
		code === 0x202f ||
		code === 0x205f ||
		code === 0x3000 ||
		code === 0xfeff
	);
}
