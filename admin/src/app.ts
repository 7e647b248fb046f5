import { useEffect, useErrorBoundary, useState } from 'preact/hooks';
import { type Answer, callApi, setCsrfToken } from './api.js';
import { BlueConicCard } from './blueconic-section.js';
import type { CheckAnswer, ConfigAnswer, ErrorBody, SaveAnswer } from './contract.js';
import { DecisionTester } from './decision-tester.js';
import { type Draft, changedSections, draftFrom } from './draft.js';
import { FeaturedCard } from './featured-section.js';
import { html } from './html.js';
import { MappingCard } from './mapping-section.js';
import { type SaveOutcome, SaveBar } from './save-bar.js';
import { SignIn } from './sign-in.js';
import { SitesCard } from './sites-section.js';
import { StatusCard } from './status-section.js';

type Screen =
	| { screen: 'loading' }
	| { screen: 'signed-out'; notice?: string }
	| { screen: 'failed'; message: string }
	| { screen: 'console'; config: ConfigAnswer };

/** The console: the sign-in form until a session exists, then the settings page. */
export function App() {
	const [screen, setScreen] = useState<Screen>({ screen: 'loading' });
	// A bug in a card must not leave a blank page: say so, and how to get back.
	const [crash] = useErrorBoundary();

	async function loadConfig(): Promise<void> {
		const answer = await callApi<ConfigAnswer>('GET', 'config');
		if (answer.ok) setScreen({ screen: 'console', config: answer.body });
		else if (answer.status === 401) setScreen({ screen: 'signed-out', notice: answer.body.error.message });
		else setScreen({ screen: 'failed', message: answer.body.error.message });
	}

	useEffect(() => {
		void (async () => {
			const session = await callApi<{ csrfToken: string }>('GET', 'session');
			if (session.ok) {
				setCsrfToken(session.body.csrfToken);
				await loadConfig();
			} else if (session.status === 401) {
				// An expired session says so; never having signed in needs no notice.
				setScreen({ screen: 'signed-out', ...(session.body.error.code === 'admin_session_expired' ? { notice: session.body.error.message } : {}) });
			} else setScreen({ screen: 'failed', message: session.body.error.message });
		})();
	}, []);

	async function signOut(): Promise<void> {
		await callApi('DELETE', 'session');
		setCsrfToken('');
		setScreen({ screen: 'signed-out', notice: 'You are signed out.' });
	}

	if (crash) {
		return html`<main class="center"><p class="result result-bad" role="alert">The console hit an error (${String((crash as Error).message ?? crash)}). Reload the page; unsaved changes are lost.</p></main>`;
	}
	switch (screen.screen) {
		case 'loading':
			return html`<main class="center"><p class="muted" role="status">Loading the console…</p></main>`;
		case 'failed':
			return html`<main class="center"><p class="result result-bad" role="alert">${screen.message}</p></main>`;
		case 'signed-out':
			return html`<${SignIn}
				notice=${screen.notice}
				onSignedIn=${(token: string) => {
					setCsrfToken(token);
					setScreen({ screen: 'loading' });
					void loadConfig();
				}}
			/>`;
		case 'console':
			return html`<${Settings}
				config=${screen.config}
				onSignOut=${signOut}
				onSignedOut=${(notice: string) => setScreen({ screen: 'signed-out', notice })}
			/>`;
	}
}

/** The settings page: one draft of the four sections, edited by the cards and saved together. */
function Settings({ config: initial, onSignOut, onSignedOut }: { config: ConfigAnswer; onSignOut: () => void; onSignedOut: (notice: string) => void }) {
	const [config, setConfig] = useState(initial);
	const [saved, setSaved] = useState(() => draftFrom(initial));
	const [draft, setDraft] = useState(() => draftFrom(initial));
	const [outcome, setOutcome] = useState<SaveOutcome>({ state: 'idle' });
	const [jsonProblems, setJsonProblems] = useState<Record<string, string | undefined>>({});

	const write = changedSections(draft, saved);
	const dirty = Object.keys(write).length > 0;
	const blockedBy = Object.values(jsonProblems).find((problem) => problem !== undefined);
	const problems = outcome.state === 'invalid' || outcome.state === 'restart_required' ? outcome.problems : [];
	const blueconicConfigured = config.sections.blueconic !== null;

	function edit(change: Partial<Draft>): void {
		setDraft({ ...draft, ...change });
		// A result describes the draft it was for; problems stay shown until the next check so fixes can be followed.
		if (outcome.state !== 'invalid' && outcome.state !== 'restart_required') setOutcome({ state: 'idle' });
	}
	const jsonValidity = (editor: string) => (problem: string | undefined) => setJsonProblems((all) => ({ ...all, [editor]: problem }));

	function failedOutcome(answer: Extract<Answer<unknown>, { ok: false }>): SaveOutcome {
		const body: ErrorBody = answer.body;
		const { code, message } = body.error;
		if (answer.status === 401) onSignedOut(message);
		if (code === 'invalid_config') return { state: 'invalid', message, problems: body.problems ?? [] };
		if (code === 'restart_required') return { state: 'restart_required', message, problems: body.problems ?? [] };
		if (code === 'config_read_only') return { state: 'read_only', message, download: body.download, fileName: config.file?.name ?? 'collector.json' };
		return { state: 'failed', message };
	}

	async function check(): Promise<void> {
		setOutcome({ state: 'busy', action: 'check' });
		const answer = await callApi<CheckAnswer>('POST', 'config/check', { sections: write });
		setOutcome(answer.ok ? { state: 'valid', changed: answer.body.changed } : failedOutcome(answer));
	}

	async function save(): Promise<void> {
		setOutcome({ state: 'busy', action: 'save' });
		const answer = await callApi<SaveAnswer>('PUT', 'config', { sections: write });
		if (!answer.ok) {
			setOutcome(failedOutcome(answer));
			return;
		}
		const reloaded = await callApi<ConfigAnswer>('GET', 'config');
		if (reloaded.ok) {
			setConfig(reloaded.body);
			setSaved(draftFrom(reloaded.body));
			setDraft(draftFrom(reloaded.body));
		}
		const result = answer.body;
		setOutcome(
			result.status === 'applied'
				? { state: 'applied', changed: result.changed, written: result.written, fileName: config.file?.name }
				: { state: 'unchanged' },
		);
	}

	return html`<div class="layout">
		<header class="topbar">
			<div class="brand"><span class="brand-mark" aria-hidden="true"></span>BlueConic bridge <span class="brand-sub">Admin console</span></div>
			<div class="topbar-right">
				<${FileBadge} file=${config.file} />
				<button class="button small subtle" type="button" id="sign-out" onClick=${onSignOut}>Sign out</button>
			</div>
		</header>
		<nav class="sidenav" aria-label="Sections">
			<a href="#api">API configuration</a>
			<a href="#mapping">Profile properties</a>
			<a href="#featured">Featured segments</a>
			<a href="#sites">Activate on sites</a>
			<a href="#status">Status</a>
			<a href="#tester">Decision tester</a>
		</nav>
		<main class="content">
			<h1 class="page-title">Settings</h1>
			<p class="muted page-lead">Changes apply to the running collector when you save: no restart, and no visitor loses the segments already reported.</p>
			<${BlueConicCard}
				draft=${draft.blueconic}
				saved=${config.sections.blueconic}
				problems=${problems}
				onChange=${(blueconic: Draft['blueconic']) => edit({ blueconic })}
			/>
			<${MappingCard}
				draft=${draft.profileMapping}
				types=${config.types}
				problems=${problems}
				blueconicConfigured=${blueconicConfigured}
				onChange=${(profileMapping: Draft['profileMapping']) => edit({ profileMapping })}
				onJsonValidity=${jsonValidity('attributes')}
			/>
			<${FeaturedCard}
				rows=${draft.featured}
				problems=${problems}
				blueconicConfigured=${blueconicConfigured}
				onChange=${(featured: Draft['featured']) => edit({ featured })}
				onJsonValidity=${jsonValidity('featured')}
			/>
			<${SitesCard} sites=${draft.sites} problems=${problems} onChange=${(sites: Draft['sites']) => edit({ sites })} />
			<${StatusCard} />
			<${DecisionTester} />
		</main>
		<${SaveBar}
			dirty=${dirty}
			blockedBy=${blockedBy}
			outcome=${outcome}
			onCheck=${check}
			onSave=${save}
			onDiscard=${() => {
				setDraft(draftFrom(config));
				setJsonProblems({});
				setOutcome({ state: 'idle' });
			}}
		/>
	</div>`;
}

function FileBadge({ file }: { file: ConfigAnswer['file'] }) {
	if (!file) return html`<span class="pill" title="Saves apply to the running collector only">Configured in code</span>`;
	return html`<span class=${file.writable ? 'pill pill-ok' : 'pill pill-warn'} id="file-badge">
		${file.name} · ${file.writable ? 'writable' : 'read-only'}
	</span>`;
}
