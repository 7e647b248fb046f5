import { type BackoffPolicy, parseRetryAfter, retryAfterWindowSeconds, retryDelayMs, sleep } from '../utils/backoff.js';
import { BlueConicUnavailableError, type UnavailableReason } from './errors/blueconic-unavailable-error.js';
import type { AttemptOutcome } from './http-attempt.js';

/** What one attempt produced: a final value, or a transient failure worth another attempt. */
export type RetryableOutcome<T> =
	| { readonly status: 'done'; readonly value: T }
	| {
			readonly status: 'retry';
			readonly reason: UnavailableReason;
			readonly message: string;
			readonly retryAfterMs?: number | undefined;
	  };

export interface RetryLoopOptions {
	readonly policy: BackoffPolicy;
	readonly signal?: AbortSignal | undefined;
	readonly random?: () => number;
	/** Called before each wait; `delayMs` is how long we wait. */
	readonly onRetry?: (reason: UnavailableReason, delayMs: number, message: string) => void;
}

/**
 * Runs `attempt` until it is done or the policy's attempts run out, waiting the backoff delay (at least the
 * server's `Retry-After`) between attempts. Gives up early, with `BlueConicUnavailableError`, when the server asks
 * for a wait longer than `maxRetryAfterMs`: the hint is then passed on to whoever can wait that long.
 */
export async function runWithRetries<T>(
	attempt: () => Promise<RetryableOutcome<T>>,
	options: RetryLoopOptions,
): Promise<T> {
	const { policy } = options;
	for (let attemptNumber = 1; ; attemptNumber++) {
		const outcome = await attempt();
		if (outcome.status === 'done') return outcome.value;
		const delayMs = retryDelayMs(attemptNumber, policy, outcome.retryAfterMs, options.random);
		const tooLong = outcome.retryAfterMs !== undefined && outcome.retryAfterMs > policy.maxRetryAfterMs;
		if (attemptNumber >= policy.maxAttempts || tooLong) {
			throw new BlueConicUnavailableError(
				outcome.reason,
				// A hint for whoever retries later (a webhook sender, the queue): within the same window as Retry-After.
				Math.min(Math.max(delayMs, policy.baseDelayMs), retryAfterWindowSeconds.max * 1000),
				attemptNumber,
				`BlueConic ${outcome.message} (gave up after ${attemptNumber} attempt${attemptNumber === 1 ? '' : 's'})`,
			);
		}
		options.onRetry?.(outcome.reason, delayMs, outcome.message);
		await sleep(delayMs, options.signal);
	}
}

type Retry = Extract<RetryableOutcome<never>, { status: 'retry' }>;

/** How a request's transient failures are worded, and what they need to be judged. */
export interface RetryWording {
	/** Names the request in messages: "token request". */
	readonly request: string;
	readonly timeoutMs: number;
	/** Words a transient status: "token endpoint answered 503". */
	readonly answered: (httpStatus: number) => string;
	readonly now: () => number;
}

/**
 * The retry for an attempt that timed out, failed on the network or got a transient status (429, 5xx, with the
 * answer's `Retry-After`); otherwise the answer itself, final, for the caller to read.
 */
export function retryOrAnswer(outcome: AttemptOutcome, wording: RetryWording): Retry | Extract<AttemptOutcome, { status: 'answered' }> {
	if (outcome.status === 'timeout') {
		return { status: 'retry', reason: 'timeout', message: `${wording.request} timed out after ${wording.timeoutMs} ms` };
	}
	if (outcome.status === 'network') {
		return { status: 'retry', reason: 'network', message: `${wording.request} failed: ${outcome.message}` };
	}
	const reason = transientReasonForStatus(outcome.httpStatus);
	if (reason === undefined) return outcome;
	return {
		status: 'retry',
		reason,
		message: wording.answered(outcome.httpStatus),
		retryAfterMs: parseRetryAfter(outcome.headers.get('retry-after'), wording.now()),
	};
}

/** Maps a transient HTTP status to why it is retried; `undefined` for statuses that are final. */
function transientReasonForStatus(httpStatus: number): UnavailableReason | undefined {
	if (httpStatus === 429) return 'rate_limited';
	if (httpStatus === 503) return 'unavailable';
	// A 5xx may or may not have been applied; re-sending is safe because every entry is an UPSERT keyed by email.
	if (httpStatus >= 500) return 'server_error';
	return undefined;
}
