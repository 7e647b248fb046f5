/**
 * Whether a failed post is worth trying again: 0 (no answer: a network error, or a CORS refusal, which looks the
 * same to a page), 5xx, 408 and 429 (the collector or a proxy is overloaded or timed out). Other 4xx never change.
 */
export function isRetryableStatus(status: number): boolean {
	return !status || status > 499 || status === 408 || status === 429;
}

/**
 * Milliseconds to wait before retry number `retry` (1 for the first retry). What the answer's `Retry-After` asks
 * for, if it has one: delta-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`; one in the past
 * means now), per RFC 9110 section 10.2.3. Otherwise exponential from `baseMs`, capped at `maxMs`, with "equal
 * jitter" (between half and all of that), so that pages failing together against one recovering collector do
 * not all retry at the same moment.
 */
export function retryDelay(retry: number, retryAfter: string | null | undefined, baseMs: number, maxMs: number): number {
	// Number('') and Number(null) are 0, hence the NaN: no header is not "retry at once".
	const seconds = Number(retryAfter || NaN);
	const asked = seconds >= 0 ? seconds * 1000 : Date.parse(retryAfter as string) - Date.now();
	if (asked >= 0) return asked;
	if (asked < 0) return 0;
	const ceiling = Math.min(maxMs, baseMs * 2 ** (retry - 1));
	return ceiling / 2 + (Math.random() * ceiling) / 2;
}
