/**
 * Matches the statuses of a failed post worth trying again: 0 (no answer: a network error, or a CORS refusal, which
 * looks the same to a page), 5xx, 408 and 429 (the collector or a proxy is overloaded or timed out). Other 4xx
 * never change. Statuses run from 100 to 599, so only those start so. (A pattern, not a function: it minifies
 * smaller, and the budget is tight.)
 */
export const retryableStatus = /^(0|5|408|429)/;

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
	// Half the step, plus a random part of the other half.
	return isNaN(asked) ? (Math.min(maxMs, baseMs * 2 ** (retry - 1)) * (1 + Math.random())) / 2 : Math.max(asked, 0);
}
