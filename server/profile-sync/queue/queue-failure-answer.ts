import { HttpError } from '../../errors/http-error.js';
import { isQueueUnavailableError } from './queue-unavailable-error.js';

// Redis outages are usually short (a failover, a restart): ask for a retry soon.
const retryAfterSeconds = '5';

/** The 503 a webhook sender gets while the queue's Redis cannot take users, or `undefined` for other errors. */
export function httpErrorForQueueFailure(error: unknown): HttpError | undefined {
	if (!isQueueUnavailableError(error)) return undefined;
	return new HttpError(503, 'queue_unavailable', `${error.message}; nothing was queued, retry later`, { 'Retry-After': retryAfterSeconds });
}
