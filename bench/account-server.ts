import { createServer, type Server } from 'node:http';
import { startListening } from '../server/listen.js';

/**
 * The publisher's account endpoint behind `http` sessions: every session is valid, with an email. Counts the
 * checks it answers, so the bench can show the collector's cache kept them off the measured rounds.
 */
export interface AccountServer {
	url: string;
	checks(): number;
	close(): Promise<void>;
}

const account = JSON.stringify({ email: 'reader@example.com', trackingId: 'reader-1' });

export async function startAccountServer(): Promise<AccountServer> {
	let checks = 0;
	const server: Server = createServer((req, res) => {
		checks++;
		req.resume();
		res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(account) });
		res.end(account);
	});
	const url = await startListening(server, 0, '127.0.0.1');
	return {
		url: `${url}/account`,
		checks: () => checks,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
