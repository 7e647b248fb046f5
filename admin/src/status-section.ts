import { useEffect, useState } from 'preact/hooks';
import { callApi } from './api.js';
import type { Status } from './contract.js';
import { html } from './html.js';

type Load = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'loaded'; status: Status; at: Date };

/** Status at a glance, from the collector's own metrics. */
export function StatusCard() {
	const [load, setLoad] = useState<Load>({ state: 'loading' });

	async function refresh(): Promise<void> {
		setLoad((previous) => (previous.state === 'loaded' ? previous : { state: 'loading' }));
		const answer = await callApi<Status>('GET', 'status');
		setLoad(answer.ok ? { state: 'loaded', status: answer.body, at: new Date() } : { state: 'failed', message: answer.body.error.message });
	}
	useEffect(() => void refresh(), []);

	return html`<section class="card" id="status" aria-labelledby="status-title">
		<header class="card-header card-header-row">
			<div>
				<h2 id="status-title">Status at a glance</h2>
				<p class="muted">
					${load.state === 'loaded'
						? `Since the collector started, ${formatUptime(load.status.uptimeSeconds)} ago · version ${load.status.version} · read at ${load.at.toLocaleTimeString()}`
						: 'Counted by this collector since it started.'}
				</p>
			</div>
			<button class="button small" type="button" id="refresh-status" onClick=${refresh}>Refresh</button>
		</header>
		${load.state === 'loading' ? html`<p class="muted">Loading…</p>` : null}
		${load.state === 'failed' ? html`<p class="result result-bad" role="alert">${load.message}</p>` : null}
		${load.state === 'loaded' ? html`<${StatusBody} status=${load.status} />` : null}
	</section>`;
}

function StatusBody({ status }: { status: Status }) {
	const { reports, decisions, profileSync } = status;
	const outcomes = Object.entries(profileSync.outcomes);
	return html`<div id="status-body">
		<div class="stats">
			<${Stat} label="Reports received" value=${reports.segments + reports.empty} detail=${`${reports.empty} with no segments`} />
			<${Stat} label="Sessions held" value=${status.sessionsHeld ?? '–'} detail=${status.sessionsHeld === null ? 'not counted by this store' : 'with segments in the store'} />
			<div class="stat stat-decisions">
				<span class="stat-label">Decisions</span>
				<div class="decision-bars">
					<${DecisionCount} result="yes" count=${decisions.yes} />
					<${DecisionCount} result="no" count=${decisions.no} />
					<${DecisionCount} result="unknown" count=${decisions.unknown} />
				</div>
			</div>
		</div>
		<h3>Profile sync</h3>
		${profileSync.configured
			? html`<div>
					${outcomes.length === 0
						? html`<p class="muted">No profiles synced yet.</p>`
						: html`<dl class="outcomes">
								${outcomes.map(([outcome, count]) => html`<div><dt>${outcome.replaceAll('_', ' ')}</dt><dd>${count}</dd></div>`)}
							</dl>`}
					<h4>Recent failures</h4>
					${profileSync.recentFailures.length === 0
						? html`<p class="muted">None.</p>`
						: html`<ul class="failures">
								${profileSync.recentFailures.map(
									(failure) => html`<li><time datetime=${failure.at}>${new Date(failure.at).toLocaleString()}</time> ${failure.reason}</li>`,
								)}
							</ul>`}
				</div>`
			: html`<p class="muted">Profile sync is not configured (it needs the BlueConic connection and a profile mapping).</p>`}
	</div>`;
}

function Stat({ label, value, detail }: { label: string; value: number | string; detail: string }) {
	return html`<div class="stat">
		<span class="stat-label">${label}</span>
		<span class="stat-value">${typeof value === 'number' ? value.toLocaleString() : value}</span>
		<span class="stat-detail">${detail}</span>
	</div>`;
}

function DecisionCount({ result, count }: { result: string; count: number }) {
	return html`<span class=${`decision decision-${result}`} data-result=${result}>
		<span class="decision-count">${count.toLocaleString()}</span> ${result}
	</span>`;
}

function formatUptime(seconds: number): string {
	if (seconds < 120) return `${Math.round(seconds)} s`;
	if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
	if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
	return `${Math.round(seconds / 86_400)} days`;
}
