import { Counter, Gauge, type Registry } from 'prom-client';
import type { BlueConicClientEvents } from '../blueconic/client-events.js';

/** Profile sync's Prometheus counters, registered on the registry the collector's `/metrics` serves. */
export interface ProfileSyncMetrics {
	/** Profiles BlueConic answered for, by the state it answered. */
	readonly profiles: Counter<'state'>;
	/** Users not sent, by reason (missing_email, invalid_email, consent, malformed). */
	readonly rejected: Counter<'reason'>;
	/** Attribute values left out of a profile that was sent, because they could not be coerced to their type. */
	readonly attributesSkipped: Counter;
	/** Webhook events acknowledged without syncing (DELETE_USER, LOGIN, ...). */
	readonly eventsIgnored: Counter;
	/** Requests to BlueConic sent again, by cause (rate_limited, unavailable, network, timeout, token_rejected, ...). */
	readonly retries: Counter<'cause'>;
	/** Token requests, by outcome (issued, refused, failed). */
	readonly tokenFetches: Counter<'outcome'>;
	/** The hooks that feed `retries` and `tokenFetches` from the BlueConic client. */
	readonly clientEvents: BlueConicClientEvents;
}

const prefix = 'blueconic_bridge_profile_sync_';

/**
 * Registers the counters, or reuses them when this registry has them already (a second profile sync on one
 * registry, as tests and the backfill command do), because prom-client refuses a metric name twice.
 */
export function createProfileSyncMetrics(registry: Registry): ProfileSyncMetrics {
	function counter<Label extends string>(name: string, help: string, labelNames: Label[]): Counter<Label> {
		const existing = registry.getSingleMetric(prefix + name);
		if (existing instanceof Counter) return existing as Counter<Label>;
		return new Counter({ name: prefix + name, help, labelNames, registers: [registry] });
	}
	const retries = counter('blueconic_retries_total', 'Requests to BlueConic sent again, by cause.', ['cause']);
	const tokenFetches = counter('token_fetches_total', 'BlueConic access token requests, by outcome.', ['outcome']);
	return {
		profiles: counter('profiles_total', 'Profiles BlueConic answered for, by state.', ['state']),
		rejected: counter('rejected_total', 'Users not sent to BlueConic, by reason.', ['reason']),
		attributesSkipped: counter('attributes_skipped_total', 'Attribute values left out because they did not fit their type.', []),
		eventsIgnored: counter('events_ignored_total', 'Webhook events acknowledged without syncing.', []),
		retries,
		tokenFetches,
		clientEvents: {
			onRetry: (cause) => retries.inc({ cause }),
			onTokenFetch: (outcome) => tokenFetches.inc({ outcome }),
		},
	};
}

/**
 * What happened to queued users' jobs (with Redis): `enqueued`, `delivered` (BlueConic stored it), `covered`
 * (nothing left to send: another job delivered it), `rejected` (BlueConic's final refusal: kept as failed),
 * `retried` (a transient failure: tried again after a backoff), `failed` (out of attempts: kept as failed),
 * `paused` (429 or Retry-After: the queue waits, no attempt used), `deferred` (another batch was sending the email).
 */
export type QueueOutcome = 'enqueued' | 'delivered' | 'covered' | 'rejected' | 'retried' | 'failed' | 'paused' | 'deferred';

export interface ProfileSyncQueueMetrics {
	readonly outcomes: Counter<'outcome'>;
}

/**
 * The queue's outcome counter and, when `readJobCounts` is given (a process that has the queue), the depth gauge
 * `queue_jobs{state}`, read from Redis at scrape time. A scrape while Redis is unreachable shows no depth series
 * rather than stale ones.
 */
export function createProfileSyncQueueMetrics(
	registry: Registry,
	readJobCounts?: () => Promise<Readonly<Record<string, number>>>,
): ProfileSyncQueueMetrics {
	const outcomesName = `${prefix}queue_outcomes_total`;
	const existing = registry.getSingleMetric(outcomesName);
	const outcomes =
		existing instanceof Counter
			? (existing as Counter<'outcome'>)
			: new Counter({ name: outcomesName, help: 'Queued profile-sync jobs, by what happened to them.', labelNames: ['outcome'], registers: [registry] });
	const depthName = `${prefix}queue_jobs`;
	if (readJobCounts && registry.getSingleMetric(depthName) === undefined) {
		new Gauge({
			name: depthName,
			help: 'Profile-sync jobs in the queue, by state (read from Redis when scraped).',
			labelNames: ['state'],
			registers: [registry],
			async collect() {
				try {
					const counts = await readJobCounts();
					for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
				} catch {
					this.reset();
				}
			},
		});
	}
	return { outcomes };
}
