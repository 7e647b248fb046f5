import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of Zephr's `GET /blaize/account` on 127.0.0.1: sessions it knows answer 200 with their account, others 401.
 * `mode` changes how the next calls are answered; `respond` replaces the answer entirely.
 */
export interface FakeAccountServer {
	url: string;
	/** The headers of every call received, in order. */
	calls: IncomingMessage['headers'][];
	/** Calls received and not answered yet. */
	pending: number;
	/** The most calls that were pending at once. */
	mostPending: number;
	/**
	 * 'account' (default), a status code to answer with, 'hang' (never answer), 'slow' (answer after 150 ms) or
	 * 'hold' (answer as 'account' once `releaseHeld()` is called).
	 */
	mode: 'account' | number | 'hang' | 'slow' | 'hold';
	/** Delay before every answer, in ms (besides 'slow'). */
	delayMs: number;
	/** Sessions the endpoint knows, by id, with the account JSON it answers for them. */
	knownSessions: Map<string, unknown>;
	/** When set, answers every call instead of the modes above. */
	respond: ((res: ServerResponse, sessionId: string) => void) | undefined;
	/** Answers the calls held in 'hold' mode. */
	releaseHeld(): void;
	/** Puts the fake back in its default state and forgets the calls. */
	reset(): void;
	close(): Promise<void>;
}

export const janeAccount = { identifiers: { email_address: 'jane@example.com' }, tracking_id: 't-1' };

export async function startFakeAccountServer(): Promise<FakeAccountServer> {
	const server: Server = createServer();
	const held: (() => void)[] = [];
	const fake: FakeAccountServer = {
		url: '',
		calls: [],
		pending: 0,
		mostPending: 0,
		mode: 'account',
		delayMs: 0,
		knownSessions: new Map([['session-jane', janeAccount]]),
		respond: undefined,
		releaseHeld() {
			for (const answer of held.splice(0)) answer();
		},
		reset() {
			fake.releaseHeld();
			fake.calls.length = 0;
			fake.mostPending = fake.pending;
			fake.mode = 'account';
			fake.delayMs = 0;
			fake.respond = undefined;
			fake.knownSessions = new Map([['session-jane', janeAccount]]);
		},
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	server.on('request', (req, res) => {
		fake.calls.push(req.headers);
		fake.pending++;
		fake.mostPending = Math.max(fake.mostPending, fake.pending);
		res.on('close', () => fake.pending--);
		const sessionId = readSessionCookie(req.headers.cookie);
		const answer = () => {
			if (fake.respond !== undefined) {
				fake.respond(res, sessionId);
			} else if (typeof fake.mode === 'number') {
				res.writeHead(fake.mode).end();
			} else if (fake.knownSessions.has(sessionId)) {
				res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fake.knownSessions.get(sessionId)));
			} else {
				res.writeHead(401).end();
			}
		};
		if (fake.mode === 'hang') return;
		if (fake.mode === 'hold') {
			held.push(answer);
			return;
		}
		const delayMs = fake.delayMs + (fake.mode === 'slow' ? 150 : 0);
		if (delayMs > 0) setTimeout(answer, delayMs);
		else answer();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/blaize/account`;
	return fake;
}

function readSessionCookie(cookieHeader: string | undefined): string {
	for (const pair of (cookieHeader ?? '').split(';')) {
		const equals = pair.indexOf('=');
		if (equals !== -1 && pair.slice(0, equals).trim() === 'blaize_session') return pair.slice(equals + 1).trim();
	}
	return '';
}
