import type { SessionIdentity } from './session-validator.js';

/**
 * What the publisher's account endpoint said about one session. `unavailable` carries why, for the log: a
 * status, a timeout, a connection error code or a body that is not an account. Never the cookie.
 */
export type AccountAnswer =
	| { status: 'valid'; identity?: SessionIdentity }
	| { status: 'invalid' }
	| { status: 'unavailable'; reason: string };

export interface AccountRequest {
	url: string;
	/** The `Cookie` header to forward: `<cookieName>=<cookieValue>`. */
	cookie: string;
	/** For the whole exchange: connecting, the headers and the body. */
	timeoutMs: number;
	fetch: typeof globalThis.fetch;
}

/** An account answer is a few hundred bytes; a bigger body is not one, and is not read further. */
export const maxAccountBodyBytes = 64 * 1024;
/** Identity strings longer than this are left out of the identity (an email address has at most 254). */
export const maxIdentityFieldLength = 256;

/**
 * Asks the account endpoint about one session: 401/403/404 = invalid; 204, or a 2xx whose body is a JSON object
 * (served as JSON or without a content type) = valid; anything else = unavailable. A 2xx carrying HTML (a login
 * page behind a wrong URL), something other than a JSON object, or a body that does not finish within
 * `timeoutMs` is not taken as "valid": the collector cannot tell.
 */
export async function askAccountEndpoint({ url, cookie, timeoutMs, fetch }: AccountRequest): Promise<AccountAnswer> {
	const signal = AbortSignal.timeout(timeoutMs);
	let response: Response;
	try {
		response = await fetch(url, { headers: { cookie, accept: 'application/json' }, redirect: 'manual', signal });
	} catch (error) {
		return { status: 'unavailable', reason: failureOf(error, signal, timeoutMs, 'waiting for the answer') };
	}
	const { status } = response;
	if (status === 401 || status === 403 || status === 404) {
		await discard(response);
		return { status: 'invalid' };
	}
	if (status < 200 || status > 299) {
		await discard(response);
		const redirect = status >= 300 && status <= 399 ? ', a redirect (not followed)' : '';
		return { status: 'unavailable', reason: `answered ${status}${redirect}` };
	}
	if (status === 204) {
		await discard(response);
		return { status: 'valid' };
	}
	const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
	if (mediaType !== '' && mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
		await discard(response);
		return { status: 'unavailable', reason: `answered ${status} with Content-Type ${mediaType.slice(0, 100)}, not JSON` };
	}
	let body: Buffer | 'too_large';
	try {
		body = await readBody(response.body, maxAccountBodyBytes);
	} catch (error) {
		return { status: 'unavailable', reason: failureOf(error, signal, timeoutMs, 'reading the body') };
	}
	if (body === 'too_large') return { status: 'unavailable', reason: `answered ${status} with a body over ${maxAccountBodyBytes} bytes` };
	const account = parseJson(body);
	if (account === undefined) {
		const what = body.length === 0 ? 'an empty body (expected 204 or a JSON object)' : 'a body that is not JSON';
		return { status: 'unavailable', reason: `answered ${status} with ${what}` };
	}
	if (account === null || typeof account !== 'object' || Array.isArray(account)) {
		return { status: 'unavailable', reason: `answered ${status} with JSON that is not an object` };
	}
	const identity = identityOf(account);
	return identity === undefined ? { status: 'valid' } : { status: 'valid', identity };
}

/** Zephr's account answer: `{"identifiers":{"email_address"},"tracking_id","user_id"}`; other objects are fine too. */
function identityOf(account: object): SessionIdentity | undefined {
	const { identifiers, tracking_id: trackingId, user_id: userId } = account as Record<string, unknown>;
	const email = (identifiers as Record<string, unknown> | null | undefined)?.email_address;
	const identity: SessionIdentity = {};
	if (isIdentityField(email)) identity.email = email;
	if (isIdentityField(trackingId)) identity.trackingId = trackingId;
	if (isIdentityField(userId)) identity.userId = userId;
	return Object.keys(identity).length > 0 ? identity : undefined;
}

function isIdentityField(value: unknown): value is string {
	return typeof value === 'string' && value !== '' && value.length <= maxIdentityFieldLength;
}

/** The body, up to `maxBytes`; rejects when the body fails or the request's signal fires while reading. */
async function readBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Buffer | 'too_large'> {
	if (body === null) return Buffer.alloc(0);
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return Buffer.concat(chunks, size);
		size += value.byteLength;
		if (size > maxBytes) {
			await reader.cancel().catch(() => undefined);
			return 'too_large';
		}
		chunks.push(value);
	}
}

function parseJson(body: Buffer): unknown {
	try {
		return JSON.parse(body.toString('utf8')) as unknown;
	} catch {
		return undefined;
	}
}

/** Frees the connection without reading a body we do not need. */
async function discard(response: Response): Promise<void> {
	await response.body?.cancel().catch(() => undefined);
}

/**
 * Why a request failed, for the log: a timeout, or the error code of the cause (`ENOTFOUND`, `ECONNREFUSED`,
 * `UND_ERR_SOCKET`). Not the error's message: fetch's messages can quote header values, and the cookie is one.
 */
function failureOf(error: unknown, signal: AbortSignal, timeoutMs: number, during: string): string {
	if (signal.aborted) return `timed out after ${timeoutMs} ms ${during}`;
	const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
	const code = typeof cause?.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(cause.code) ? cause.code : undefined;
	const name = error instanceof Error ? error.name : 'unknown error';
	return `request failed ${during} (${code ?? name})`;
}
