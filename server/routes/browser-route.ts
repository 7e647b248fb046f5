import type { IncomingMessage } from 'node:http';
import type { Answer } from '../http/answer.js';

/**
 * A browser endpoint: request → session → validated input → store → answer, for a request whose site and origin
 * `browserEndpoints` already checked; `query` is the query string without its `?` (parsed only by the routes that
 * read it). A plain answer when everything was at hand (a recorded session, the in-process store), a promise when
 * something had to be waited for (a body, a session check, Redis). Refusals are thrown (or rejected).
 */
export type BrowserRoute = (req: IncomingMessage, query: string) => Answer | Promise<Answer>;
