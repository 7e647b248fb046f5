import type { IncomingMessage } from 'node:http';
import type { Answer } from '../http/answer.js';

/** A browser request, its site and origin already checked by `browserEndpoints`. */
export interface BrowserRequest {
	req: IncomingMessage;
	/** The query string, without the `?`: parsed only by the routes that read it. */
	query: string;
}

/** A browser endpoint: request → session → validated input → store → answer. */
export type BrowserRoute = (request: BrowserRequest) => Promise<Answer>;
