/**
 * The queue's Redis could not take the users in time (down, reconnecting, or too slow). Nothing is reported as
 * queued; the webhook sender is asked to retry, which is safe: re-sending an update queues the same data again.
 */
export class QueueUnavailableError extends Error {
	override readonly name = 'QueueUnavailableError';
}

export function isQueueUnavailableError(value: unknown): value is QueueUnavailableError {
	return value instanceof QueueUnavailableError;
}
