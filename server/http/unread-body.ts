import type { IncomingMessage } from 'node:http';

/**
 * Whether `req` declared a body that has not been read to its end. An answer sent now must close its connection:
 * the unread bytes would otherwise be parsed as the next request, or be drained (gigabytes, if the client said so)
 * before it.
 */
export function hasUnreadBody(req: IncomingMessage): boolean {
	if (req.complete) return false;
	const length = req.headers['content-length'];
	return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Whether an answer must say `Connection: close`: while draining (so keep-alive clients reconnect elsewhere) and
 * when the body was not read. HTTP/1 only: HTTP/2 forbids the header, and ends a stream, not its connection.
 */
export function answerClosesConnection(req: IncomingMessage, draining: boolean): boolean {
	return req.httpVersionMajor === 1 && (draining || hasUnreadBody(req));
}
