/**
 * Runs `work` with a signal that aborts when `lifetime` (a client's, aborted once at shutdown) or the call's own
 * `signal` does. Linked by hand and unlinked when the work settles: `AbortSignal.any()` with a long-lived signal
 * keeps every combined signal alive on Node 20, one per call, for as long as the client lives.
 */
export async function withLifetimeSignal<T>(
	lifetime: AbortSignal | undefined,
	signal: AbortSignal | undefined,
	work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
	if (lifetime === undefined) return work(signal);
	if (lifetime.aborted) throw lifetime.reason;
	if (signal?.aborted) throw signal.reason;
	const controller = new AbortController();
	const onLifetimeAbort = () => controller.abort(lifetime.reason);
	const onCallAbort = () => controller.abort(signal?.reason);
	lifetime.addEventListener('abort', onLifetimeAbort, { once: true });
	signal?.addEventListener('abort', onCallAbort, { once: true });
	try {
		return await work(controller.signal);
	} finally {
		lifetime.removeEventListener('abort', onLifetimeAbort);
		signal?.removeEventListener('abort', onCallAbort);
	}
}
