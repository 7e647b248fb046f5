import { useState } from 'preact/hooks';
import { callApi } from './api.js';
import type { DecisionTest } from './contract.js';
import { html } from './html.js';

type Test = { state: 'idle' } | { state: 'testing' } | { state: 'failed'; message: string } | { state: 'done'; result: DecisionTest };

const reportText: Record<DecisionTest['report'], string> = {
	hit: 'The collector holds a report for this session.',
	miss: 'No report for this session: the browser has not posted its segments (or they expired).',
	unavailable: 'The store could not be read: decisions answer "unknown" until it is back.',
};

/** Paste a session id, see what the collector holds for it and how each featured segment decides. */
export function DecisionTester() {
	const [session, setSession] = useState('');
	const [test, setTest] = useState<Test>({ state: 'idle' });

	async function submit(event: Event): Promise<void> {
		event.preventDefault();
		setTest({ state: 'testing' });
		const answer = await callApi<DecisionTest>('POST', 'decision-test', { session: session.trim() });
		setTest(answer.ok ? { state: 'done', result: answer.body } : { state: 'failed', message: answer.body.error.message });
	}

	return html`<section class="card" id="tester" aria-labelledby="tester-title">
		<header class="card-header">
			<h2 id="tester-title">Decision tester</h2>
			<p class="muted">What the collector would answer a publisher's rule for one visitor, right now.</p>
		</header>
		<form class="inline-form" onSubmit=${submit}>
			<div class="field grow">
				<label for="tester-session">Session ID</label>
				<input id="tester-session" value=${session} autocomplete="off" spellcheck=${false} required
					placeholder="The value of the visitor's session cookie"
					onInput=${(event: Event) => setSession((event.currentTarget as HTMLInputElement).value)} />
			</div>
			<button class="button" type="submit" id="run-decision-test" disabled=${session.trim() === '' || test.state === 'testing'}>
				${test.state === 'testing' ? 'Testing…' : 'Test decisions'}
			</button>
		</form>
		${test.state === 'failed' ? html`<p class="result result-bad" role="alert">${test.message}</p>` : null}
		${test.state === 'done' ? html`<${TestResult} result=${test.result} />` : null}
	</section>`;
}

function TestResult({ result }: { result: DecisionTest }) {
	return html`<div class="tester-result" id="decision-test-result" data-report=${result.report}>
		<p>${reportText[result.report]}</p>
		${result.segments
			? html`<p>
					<span class="label-inline">Segments held</span>
					${result.segments.length === 0 ? html`<span class="muted">none</span>` : result.segments.map((id) => html`<code class="chip">${id}</code>`)}
					${result.updatedAt ? html`<span class="muted"> · reported ${new Date(result.updatedAt).toLocaleString()}</span>` : null}
				</p>`
			: null}
		<table class="table compact" id="decision-test-table">
			<thead><tr><th scope="col">Featured segment</th><th scope="col">ID</th><th scope="col">Decision</th></tr></thead>
			<tbody>
				${result.featured.length === 0
					? html`<tr><td colspan="3" class="muted empty-row">No featured segments configured.</td></tr>`
					: result.featured.map(
							(row) => html`<tr data-segment=${row.segment}>
								<td>${row.name}</td>
								<td><code>${row.segment}</code></td>
								<td><span class=${`decision decision-${row.result}`}>${row.result}</span></td>
							</tr>`,
						)}
			</tbody>
		</table>
	</div>`;
}
