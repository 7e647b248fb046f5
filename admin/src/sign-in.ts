import { useState } from 'preact/hooks';
import { callApi } from './api.js';
import { html } from './html.js';

/** The admin key form. On success the parent gets the CSRF token the session's writes carry. */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (csrfToken: string) => void; notice?: string | undefined }) {
	const [key, setKey] = useState('');
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<string | undefined>(undefined);

	async function submit(event: Event): Promise<void> {
		event.preventDefault();
		setBusy(true);
		setError(undefined);
		const answer = await callApi<{ csrfToken: string }>('POST', 'session', { key });
		setBusy(false);
		if (answer.ok) {
			setKey('');
			onSignedIn(answer.body.csrfToken);
			return;
		}
		setError(answer.body.error.message);
	}

	return html`<main class="sign-in">
		<form class="card sign-in-card" onSubmit=${submit} aria-labelledby="sign-in-title">
			<div class="brand brand-large"><span class="brand-mark" aria-hidden="true"></span>BlueConic bridge</div>
			<h1 id="sign-in-title">Sign in to the admin console</h1>
			<p class="muted">Use one of the admin keys listed in the collector's <code>adminKeys</code>.</p>
			${notice ? html`<p class="notice">${notice}</p>` : null}
			<div class=${error ? 'field has-error' : 'field'}>
				<label for="admin-key">Admin key</label>
				<input
					id="admin-key"
					type="password"
					autocomplete="current-password"
					required
					value=${key}
					aria-invalid=${error !== undefined}
					aria-describedby=${error ? 'admin-key-error' : undefined}
					onInput=${(event: Event) => setKey((event.currentTarget as HTMLInputElement).value)}
				/>
				${error ? html`<p class="field-error" id="admin-key-error" role="alert">${error}</p>` : null}
			</div>
			<button class="button primary wide" type="submit" disabled=${busy || key === ''}>
				${busy ? 'Signing in…' : 'Sign in'}
			</button>
		</form>
	</main>`;
}
