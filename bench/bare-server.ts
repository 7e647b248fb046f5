import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { paths } from '../server/http/paths.js';
import { readCookie } from '../server/http/session.js';
import { startListening } from '../server/listen.js';
import { maxReportBytes } from '../server/segments/segment-report.js';

/**
 * The baseline: a bare node:http server doing the work the collector's two browser endpoints must do, and no
 * more: read the session cookie, check the session in a Map, read, parse and check the body (a JSON array of
 * segment-id strings), keep it in a Map, or answer a decision from it.
 *
 * The session check is one Set lookup of the cookie value, whatever the session type: `sessions` holds the
 * memory and `http` sessions the collector holds or has cached, and a signed cookie is verified (HMAC-SHA256,
 * expiry) the first time it is seen and remembered, as the collector remembers the cookies that verified. See
 * docs/bench.md for why this is the same work.
 */
export interface BareServer {
	server: Server;
	port: number;
	/** Session cookie values the server accepts: the stand-in for memory sessions and cached `http` sessions. */
	sessions: Set<string>;
	close(): Promise<void>;
}

export interface BareServerOptions {
	/** The secret of signed session cookies (`signSessionCookie`); without it a cookie not in `sessions` is refused. */
	signedSecret?: string;
}

const cookieName = 'blaize_session';
const maxIdLength = 200;
// The collector's bound for its default limits (200 ids of 200 characters).
const maxBodyBytes = maxReportBytes({ maxPerSession: 200, maxIdLength });

export async function startBareServer({ signedSecret }: BareServerOptions = {}): Promise<BareServer> {
	const sessions = new Set<string>();
	const segmentsBySession = new Map<string, string[]>();
	const accepts = (sessionId: string): boolean => {
		if (sessions.has(sessionId)) return true;
		if (signedSecret === undefined || !verifiesSigned(sessionId, signedSecret)) return false;
		sessions.add(sessionId);
		return true;
	};

	const server = createServer((req, res) => {
		const url = req.url ?? '/';
		const queryAt = url.indexOf('?');
		const path = queryAt === -1 ? url : url.slice(0, queryAt);
		const sessionId = readCookie(req.headers.cookie, cookieName);
		if (sessionId === undefined || !accepts(sessionId)) return answer(res, 401, '{"error":{"code":"session_invalid"}}');

		if (req.method === 'POST' && path === paths.segments) {
			if (req.headers['content-type'] !== 'application/json') return answer(res, 415, '{"error":{"code":"unsupported"}}');
			readBody(req, (text) => {
				if (text === undefined) return answer(res, 413, '{"error":{"code":"body_too_large"}}');
				let body: unknown;
				try {
					body = JSON.parse(text);
				} catch {
					return answer(res, 400, '{"error":{"code":"invalid_json"}}');
				}
				if (!Array.isArray(body) || !body.every((id) => typeof id === 'string' && id !== '' && id.length <= maxIdLength)) {
					return answer(res, 400, '{"error":{"code":"invalid_segment_id"}}');
				}
				segmentsBySession.set(sessionId, body as string[]);
				res.statusCode = 204;
				res.end();
			});
			return;
		}
		if (req.method === 'GET' && path === paths.decision) {
			const segmentId = new URLSearchParams(url.slice(queryAt + 1)).get('segment');
			if (!segmentId) return answer(res, 400, '{"error":{"code":"segment_required"}}');
			const segmentIds = segmentsBySession.get(sessionId);
			const result = segmentIds === undefined ? 'unknown' : segmentIds.includes(segmentId) ? 'yes' : 'no';
			res.setHeader('Cache-Control', 'no-store');
			return answer(res, 200, JSON.stringify({ segment: segmentId, result }));
		}
		answer(res, 404, '{"error":{"code":"not_found"}}');
	});

	const url = await startListening(server, 0, '127.0.0.1');
	return {
		server,
		port: Number(new URL(url).port),
		sessions,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

function answer(res: ServerResponse, status: number, json: string): void {
	res.statusCode = status;
	res.setHeader('Content-Type', 'application/json; charset=utf-8');
	res.end(json);
}

/** Calls back with the UTF-8 body, or undefined when it is larger than the limit. */
function readBody(req: IncomingMessage, done: (text: string | undefined) => void): void {
	const chunks: Buffer[] = [];
	let size = 0;
	req.on('data', (chunk: Buffer) => {
		size += chunk.length;
		if (size <= maxBodyBytes) chunks.push(chunk);
	});
	req.on('end', () => done(size <= maxBodyBytes ? Buffer.concat(chunks).toString('utf8') : undefined));
}

/** `<sessionId>.<expiresAtUnixSeconds>.<base64url HMAC-SHA256>`, unexpired: what `SignedSessions` accepts. */
function verifiesSigned(cookieValue: string, secret: string): boolean {
	const signatureAt = cookieValue.lastIndexOf('.');
	const expiresAt = cookieValue.lastIndexOf('.', signatureAt - 1);
	if (expiresAt <= 0) return false;
	const payload = cookieValue.slice(0, signatureAt);
	const expected = Buffer.from(createHmac('sha256', secret).update(payload).digest('base64url'));
	const given = Buffer.from(cookieValue.slice(signatureAt + 1));
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
	return Number(cookieValue.slice(expiresAt + 1, signatureAt)) * 1000 > Date.now();
}
