import { isRetryableStatus, retryDelay } from './backoff.js';

export interface DeliverySettings {
	endpoint: string;
	maxAttempts: number;
	retryDelay: number;
	maxRetryDelay: number;
}

/** Gets reports (the JSON text of a segment-id array) to the collector; see `createDelivery`. */
export interface Delivery {
	/**
	 * Unless `report` is the one pending or, with none pending, the one last delivered, makes it the pending one,
	 * replacing an older one not yet delivered (only the newest set matters), and posts it now unless a post is in
	 * flight or a retry is waiting. The promise resolves once nothing is pending any more (delivered, given up or
	 * cancelled); it never rejects.
	 */
	send(report: string): Promise<void>;
	/** The last report the collector acknowledged. */
	delivered(): string | null;
	/**
	 * The page is being hidden or unloaded: the pending report goes out now as a beacon, which outlives the page
	 * (a post in flight or a retry timer would die with it). A beacon is text/plain, carries the cookies, needs no
	 * CORS preflight, and is capped at 64 KiB (a full report of 200 ids of 200 characters is about 41 KB). Its
	 * answer is never seen: if the page stays (only hidden), the retries carry on, at worst sending it twice.
	 */
	sendBeacon(): void;
	/**
	 * Drops the pending report. A post in flight or a retry wait runs out first (finding nothing left to send),
	 * then the promises resolve; a report sent meanwhile waits for that, so nothing is ever posted twice at once.
	 */
	cancel(): void;
}

/**
 * Retries network errors, 5xx, 408 and 429 with jittered exponential backoff, honouring `Retry-After`, up to
 * `maxAttempts` tries; never retries other 4xx. Outcomes go to `onDelivered` and `onFailure`, never out as
 * exceptions.
 */
export function createDelivery(
	settings: DeliverySettings,
	deliveredBefore: string | null,
	onDelivered: (report: string) => void,
	onFailure: (error: Error) => void,
): Delivery {
	let deliveredReport = deliveredBefore;
	let pendingReport: string | undefined;
	/** Resolvers of the `send()` promises; not empty exactly while a post is in flight or a retry is waiting. */
	const waiting: Array<() => void> = [];
	let failedAttempts = 0;

	const postPending = (): void => {
		const report = pendingReport;
		if (!report) {
			for (const resolve of waiting.splice(0)) resolve();
			return;
		}
		const answered = (response?: Response): void => postAnswered(report, response);
		fetch(settings.endpoint, {
			method: 'POST',
			credentials: 'include',
			headers: { 'Content-Type': 'application/json' },
			body: report,
		}).then(answered, () => answered());
	};

	/** `response` is missing when no answer came: a network error, or a CORS refusal (the same to a page). */
	const postAnswered = (report: string, response?: Response): void => {
		const status = response?.status ?? 0;
		if (response?.ok) {
			onDelivered((deliveredReport = report));
			// A different set that arrived meanwhile is still pending, and goes next.
			if (pendingReport === report) pendingReport = undefined;
		} else {
			const delay =
				isRetryableStatus(status) && ++failedAttempts < settings.maxAttempts
					? retryDelay(
							failedAttempts,
							response?.headers.get('Retry-After'),
							settings.retryDelay,
							settings.maxRetryDelay,
						)
					: Infinity;
			// A Retry-After longer than maxRetryDelay ends the retries: cutting it short would not honour it.
			if (delay <= settings.maxRetryDelay) {
				setTimeout(postPending, delay);
				return;
			}
			onFailure(new Error(`blueconic-bridge: post failed: ${status}`));
			pendingReport = undefined;
		}
		failedAttempts = 0;
		postPending();
	};

	return {
		send(report) {
			// While a report is pending, the collector may hold either it or the last delivered one.
			if (report !== (pendingReport ?? deliveredReport)) pendingReport = report;
			return new Promise((resolve) => {
				// The only one waiting: nothing was in flight or waiting to retry, so it is up to this call to post.
				if (waiting.push(resolve) === 1) postPending();
			});
		},
		delivered: () => deliveredReport,
		sendBeacon() {
			if (pendingReport) navigator.sendBeacon(settings.endpoint, pendingReport);
		},
		cancel() {
			pendingReport = undefined;
		},
	};
}
