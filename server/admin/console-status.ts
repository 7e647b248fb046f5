import type { Registry } from 'prom-client';

/**
 * "Status at a glance", read from the collector's own metrics registry (what `/metrics` serves), so the console
 * and Prometheus never disagree: reports by outcome, decisions by result, sessions held, profile-sync outcomes.
 */

export interface ConsoleStatus {
	reports: Record<string, number>;
	decisions: { yes: number; no: number; unknown: number };
	sessionsHeld: number | null;
	profileSync: { configured: boolean; outcomes: Record<string, number>; recentFailures: readonly { at: string; reason: string }[] };
	uptimeSeconds: number;
	version: string;
}

type Series = ReadonlyMap<string, number>;

/** Each metric's series summed by one label's value (`outcome`, `result`, `state`). */
async function seriesByLabel(registry: Registry): Promise<(name: string, label?: string) => Series> {
	const metrics = await registry.getMetricsAsJSON();
	return (name, label) => {
		const sums = new Map<string, number>();
		const metric = metrics.find((candidate) => candidate.name === name);
		for (const { labels, value } of metric?.values ?? []) {
			const key = label === undefined ? '' : String(labels[label] ?? '');
			sums.set(key, (sums.get(key) ?? 0) + value);
		}
		return sums;
	};
}

export async function readStatus(
	registry: Registry,
	{
		profileSyncConfigured,
		recentFailures,
		startedAtMs,
		version,
		now = Date.now,
	}: {
		profileSyncConfigured: boolean;
		recentFailures: readonly { at: string; reason: string }[];
		startedAtMs: number;
		version: string;
		now?: () => number;
	},
): Promise<ConsoleStatus> {
	const series = await seriesByLabel(registry);
	const reports = series('blueconic_bridge_segment_reports_total', 'outcome');
	const decisions = series('blueconic_bridge_decisions_total', 'result');
	const sessionsHeld = series('blueconic_bridge_sessions_held').get('');
	return {
		reports: { segments: reports.get('segments') ?? 0, empty: reports.get('empty') ?? 0, ...Object.fromEntries(reports) },
		decisions: { yes: decisions.get('yes') ?? 0, no: decisions.get('no') ?? 0, unknown: decisions.get('unknown') ?? 0 },
		// NaN while the store cannot be reached: JSON has no NaN, and "cannot tell" is null.
		sessionsHeld: sessionsHeld === undefined || !Number.isFinite(sessionsHeld) ? null : sessionsHeld,
		profileSync: {
			configured: profileSyncConfigured,
			outcomes: {
				...Object.fromEntries(series('blueconic_bridge_profile_sync_profiles_total', 'state')),
				...Object.fromEntries([...series('blueconic_bridge_profile_sync_rejected_total', 'reason')].map(([reason, count]) => [`rejected_${reason}`, count])),
			},
			recentFailures,
		},
		uptimeSeconds: Math.floor((now() - startedAtMs) / 1000),
		version,
	};
}
