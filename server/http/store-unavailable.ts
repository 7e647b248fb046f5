import { HttpError } from '../errors/http-error.js';

/** How long senders are asked to wait while the store (Redis) cannot be reached; the SDK retries after it. */
const retryAfterSeconds = '5';

/** The 503 for a request the store (Redis) could not serve right now: nothing was stored, ask again later. */
export function storeUnavailable(): HttpError {
	return new HttpError(503, 'store_unavailable', 'the segment store cannot be reached right now; try again shortly', {
		'Retry-After': retryAfterSeconds,
	});
}
