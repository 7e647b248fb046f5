import { randomBytes } from 'node:crypto';

/**
 * Request ids: a random prefix drawn once per process, then a counter in base 36: `k3Xq9vTz2LbA-1a2f`.
 * They are for correlation only: an answer's `X-Request-Id` (and a 500's message) names the line of the log
 * that tells what happened. Nothing is looked up, authorised or keyed by them, so guessing another request's id
 * gains nothing; the prefix only keeps ids of two processes (or two runs) apart in one log. Unique within a
 * process while the counter is below 2^53 (at a million requests a second, 285 years).
 */
const processPrefix = `${randomBytes(9).toString('base64url')}-`;
let issued = 0;

export function nextRequestId(): string {
	issued++;
	return processPrefix + issued.toString(36);
}
