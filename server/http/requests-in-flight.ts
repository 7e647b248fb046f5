import type { Server } from 'node:http';

/** The requests a server is answering: what a shutdown waits for (connections without one are not waited for). */
export interface RequestsInFlight {
	/** Requests received whose answer has not been sent (or given up on) yet. */
	readonly count: number;
	/** Resolves once no request is in flight: at once when none is. */
	whenNone(): Promise<void>;
}

export function trackRequestsInFlight(server: Server): RequestsInFlight {
	let count = 0;
	const waiting: Array<() => void> = [];
	// One listener for every answer rather than a closure (and a `once` wrapper) per request: 'close' comes once,
	// when the answer has been handed to the OS or the client went away before it.
	const answered = (): void => {
		count--;
		if (count === 0) for (const resolve of waiting.splice(0)) resolve();
	};
	// Before the handler runs, so that a request is counted from its first line of handling (a scrape counts itself).
	server.prependListener('request', (_request, response) => {
		count++;
		response.on('close', answered);
	});
	return {
		get count() {
			return count;
		},
		whenNone() {
			return count === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve));
		},
	};
}
