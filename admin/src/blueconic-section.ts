import { useState } from 'preact/hooks';
import { callApi } from './api.js';
import type { BlueConicSection, ConnectionTest, Problem } from './contract.js';
import type { BlueConicDraft } from './draft.js';
import { html } from './html.js';
import { FieldErrors, TextField, messagesAt } from './problems.js';
import { RemoveSectionButton } from './remove-section.js';

interface Props {
	draft: BlueConicDraft | null;
	/** What is in force, for the secret's "set" / "from env:NAME". */
	saved: BlueConicSection | null;
	problems: readonly Problem[];
	onChange: (draft: BlueConicDraft | null) => void;
}

/** API configuration: BlueConic's address and the API connection's credentials, with a connection test. */
export function BlueConicCard({ draft, saved, problems, onChange }: Props) {
	const [test, setTest] = useState<{ state: 'idle' } | { state: 'testing' } | { state: 'done'; result: ConnectionTest }>({
		state: 'idle',
	});

	if (!draft) {
		return html`<section class="card" id="api" aria-labelledby="api-title">
			<header class="card-header"><h2 id="api-title">API configuration</h2></header>
			<div class="empty-state">
				<p><strong>BlueConic is not configured.</strong> Without it the collector answers decisions from the browser's reports
				only and does not sync profiles.</p>
				<button class="button" type="button" onClick=${() => onChange({ baseUrl: '', clientId: '', secret: { mode: 'replace', value: '' } })}>
					Set up the BlueConic connection
				</button>
			</div>
		</section>`;
	}

	const update = (change: Partial<BlueConicDraft>): void => onChange({ ...draft, ...change });
	const secretErrors = messagesAt(problems, 'blueconic.clientSecret');

	async function testConnection(): Promise<void> {
		if (!draft) return;
		setTest({ state: 'testing' });
		const answer = await callApi<ConnectionTest>('POST', 'blueconic/test-connection', {
			baseUrl: draft.baseUrl,
			clientId: draft.clientId,
			clientSecret: draft.secret.mode === 'keep' ? { keep: true } : draft.secret.value,
		});
		setTest({ state: 'done', result: answer.ok ? answer.body : { ok: false, status: null, message: answer.body.error.message } });
	}

	return html`<section class="card" id="api" aria-labelledby="api-title">
		<header class="card-header">
			<h2 id="api-title">API configuration</h2>
			<p class="muted">The BlueConic API connection the collector uses to read segments and sync profiles.</p>
		</header>
		<div class="grid-2">
			<${TextField}
				id="blueconic-base-url"
				label="BlueConic address"
				value=${draft.baseUrl}
				placeholder="https://yourtenant.blueconic.net"
				hint="Your tenant's address: https:// and its subdomain."
				errors=${messagesAt(problems, 'blueconic.baseUrl')}
				onInput=${(baseUrl: string) => update({ baseUrl })}
			/>
			<${TextField}
				id="blueconic-client-id"
				label="Client ID"
				value=${draft.clientId}
				hint="From the API connection in BlueConic (called Consumer Key elsewhere). env:NAME reads a variable."
				errors=${messagesAt(problems, 'blueconic.clientId')}
				onInput=${(clientId: string) => update({ clientId })}
			/>
		</div>
		<div class=${secretErrors.length > 0 ? 'field has-error' : 'field'}>
			<span class="label" id="secret-label">Client secret</span>
			${draft.secret.mode === 'keep'
				? html`<div class="secret-row" aria-labelledby="secret-label">
						<span class="pill pill-ok" id="secret-state">${secretState(saved)}</span>
						<button class="button small" type="button" onClick=${() => update({ secret: { mode: 'replace', value: '' } })}>
							Replace secret
						</button>
					</div>`
				: html`<div class="secret-row">
						<input
							id="blueconic-client-secret"
							type="password"
							autocomplete="new-password"
							aria-labelledby="secret-label"
							placeholder="New secret, or env:NAME"
							value=${draft.secret.value}
							onInput=${(event: Event) =>
								update({ secret: { mode: 'replace', value: (event.currentTarget as HTMLInputElement).value } })}
						/>
						${saved?.clientSecret.set
							? html`<button class="button small subtle" type="button" onClick=${() => update({ secret: { mode: 'keep' } })}>
									Keep the current secret
								</button>`
							: null}
					</div>`}
			<p class="hint">Never shown back. A new one takes effect when you save.</p>
			<${FieldErrors} id="secret-errors" messages=${secretErrors} />
		</div>
		<div class="actions">
			<button class="button" type="button" id="test-connection" onClick=${testConnection} disabled=${test.state === 'testing'}>
				${test.state === 'testing' ? 'Testing…' : 'Test connection'}
			</button>
			${test.state === 'done'
				? html`<p class=${test.result.ok ? 'result result-ok' : 'result result-bad'} id="connection-result" role="status">
						<strong>${test.result.ok ? 'Connected. ' : 'Not connected. '}</strong>${test.result.message}
					</p>`
				: null}
			<${RemoveSectionButton}
				id="remove-blueconic"
				label="Remove the connection"
				title="Once saved, profile sync takes no more users (those already queued are still sent) and decisions use the browser's reports only"
				onRemove=${() => onChange(null)}
			/>
		</div>
	</section>`;
}

function secretState(saved: BlueConicSection | null): string {
	if (!saved?.clientSecret.set) return 'Not set';
	return saved.clientSecret.env ? `From env:${saved.clientSecret.env}` : 'Set';
}
