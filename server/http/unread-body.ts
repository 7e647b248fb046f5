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
