import { isBlueConicAnswerError } from '../blueconic/errors/blueconic-answer-error.js';
import { isBlueConicAuthError } from '../blueconic/errors/blueconic-auth-error.js';
import { isBlueConicRequestError } from '../blueconic/errors/blueconic-request-error.js';
import { isBlueConicUnavailableError } from '../blueconic/errors/blueconic-unavailable-error.js';
import { HttpError } from '../errors/http-error.js';
import { retryAfterSeconds } from '../utils/backoff.js';

/**
 * The HTTP error a webhook sender gets when BlueConic did not take its users, or `undefined` for an error that is
 * not BlueConic's (a bug: the caller rethrows it and it becomes a 500). Transient failures carry `Retry-After`
 * so the sender retries; re-sending is safe because every entry is an UPSERT keyed by email.
 */
export function httpErrorForBlueConicFailure(error: unknown, minRetryAfterMs: number): HttpError | undefined {
	if (isBlueConicUnavailableError(error)) {
		const retryAfter = retryAfterSeconds(Math.max(error.retryAfterMs, minRetryAfterMs));
		return new HttpError(503, 'blueconic_unavailable', `${error.message}; nothing was lost, retry later`, {
			'Retry-After': retryAfter,
		});
	}
	if (isBlueConicAnswerError(error)) {
		return new HttpError(502, 'blueconic_bad_answer', `${error.message}; retry later`, {
			'Retry-After': retryAfterSeconds(minRetryAfterMs),
		});
	}
	if (isBlueConicAuthError(error)) {
		return new HttpError(
			502,
			'blueconic_credentials_refused',
			`${error.message}; the collector's blueconic.clientId / clientSecret (or their scopes) need fixing`,
		);
	}
	if (isBlueConicRequestError(error)) {
		const fields = error.fieldErrors.map((fieldError) => `${fieldError.field}: ${fieldError.message}`).join('; ');
		return new HttpError(502, 'blueconic_refused_request', fields ? `${error.message} (${fields})` : error.message);
	}
	return undefined;
}
