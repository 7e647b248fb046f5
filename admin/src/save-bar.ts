import { useEffect, useState } from 'preact/hooks';
import type { Problem } from './contract.js';
import { html } from './html.js';

/** What the last check or save came to. */
export type SaveOutcome =
	| { state: 'idle' }
	| { state: 'busy'; action: 'check' | 'save' }
	| { state: 'valid'; changed: string[] }
	| { state: 'applied'; changed: string[]; written: boolean; fileName: string | undefined }
	| { state: 'unchanged' }
	| { state: 'invalid'; message: string; problems: Problem[] }
	| { state: 'restart_required'; message: string; problems: Problem[] }
	| { state: 'read_only'; message: string; download: unknown; fileName: string }
	| { state: 'failed'; message: string };

const sectionNames: Record<string, string> = {
	blueconic: 'API configuration',
	profileMapping: 'profile properties mapping',
	featuredSegments: 'featured segments',
	sites: 'sites',
};

interface Props {
	dirty: boolean;
	/** Set while a raw JSON editor holds text that does not parse. */
	blockedBy: string | undefined;
	outcome: SaveOutcome;
	onCheck: () => void;
	onSave: () => void;
	onDiscard: () => void;
}

/** The bar at the bottom: unsaved state, Check, Save, and what the collector answered. */
export function SaveBar({ dirty, blockedBy, outcome, onCheck, onSave, onDiscard }: Props) {
	const busy = outcome.state === 'busy';
	return html`<div class=${`save-bar save-${outcome.state}`} id="save-bar" role="region" aria-label="Save">
		<div class="save-inner">
			<div class="save-message" role="status" aria-live="polite" id="save-status">
				<${OutcomeText} outcome=${outcome} dirty=${dirty} blockedBy=${blockedBy} />
			</div>
			<div class="save-buttons">
				<button class="button subtle" type="button" onClick=${onDiscard} disabled=${!dirty || busy}>Discard changes</button>
				<button class="button" type="button" id="check-config" onClick=${onCheck} disabled=${!dirty || busy || blockedBy !== undefined}>
					${busy && outcome.action === 'check' ? 'Checking…' : 'Check'}
				</button>
				<button class="button primary" type="button" id="save-config" onClick=${onSave} disabled=${!dirty || busy || blockedBy !== undefined}>
					${busy && outcome.action === 'save' ? 'Saving…' : 'Save'}
				</button>
			</div>
		</div>
	</div>`;
}

function OutcomeText({ outcome, dirty, blockedBy }: { outcome: SaveOutcome; dirty: boolean; blockedBy: string | undefined }) {
	if (blockedBy) return html`<span class="status-bad">Fix the JSON before saving: ${blockedBy}</span>`;
	switch (outcome.state) {
		case 'busy':
			return html`<span>${outcome.action === 'check' ? 'Checking the configuration…' : 'Saving…'}</span>`;
		case 'valid':
			return html`<span class="status-ok">Valid. Saving would change the ${listSections(outcome.changed)}.</span>`;
		case 'applied':
			return html`<span class="status-ok" id="saved-message">
				<strong>Saved.</strong> The ${listSections(outcome.changed)} ${outcome.changed.length === 1 ? 'is' : 'are'} in force for every new request, no restart needed.
				${outcome.written ? ` Written to ${outcome.fileName ?? 'the configuration file'}.` : ' Not written to a file (the configuration was given in code).'}
			</span>`;
		case 'unchanged':
			return html`<span>Nothing to save: the collector already runs this configuration.</span>`;
		case 'invalid':
			return html`<${ProblemSummary} title="Nothing was saved." message=${outcome.message} problems=${outcome.problems} />`;
		case 'restart_required':
			return html`<${ProblemSummary} title="Needs a restart." message=${outcome.message} problems=${outcome.problems} />`;
		case 'read_only':
			return html`<${ReadOnly} outcome=${outcome} />`;
		case 'failed':
			return html`<span class="status-bad">${outcome.message}</span>`;
		case 'idle':
			return html`<span class="muted">${dirty ? 'You have unsaved changes.' : 'All changes saved.'}</span>`;
	}
}

function ProblemSummary({ title, message, problems }: { title: string; message: string; problems: readonly Problem[] }) {
	return html`<div class="status-bad">
		<strong>${title}</strong> ${message}
		${problems.length > 0
			? html`<ul class="problem-list" id="problem-list">
					${problems.map((problem) => html`<li><code>${problem.path}</code> ${problem.message}</li>`)}
				</ul>`
			: null}
	</div>`;
}

/** A mounted, read-only config: nothing applied; the new configuration is offered as a file to put in place. */
function ReadOnly({ outcome }: { outcome: Extract<SaveOutcome, { state: 'read_only' }> }) {
	const [url, setUrl] = useState<string | undefined>(undefined);
	useEffect(() => {
		const blob = new Blob([`${JSON.stringify(outcome.download, null, 2)}\n`], { type: 'application/json' });
		const blobUrl = URL.createObjectURL(blob);
		setUrl(blobUrl);
		return () => URL.revokeObjectURL(blobUrl);
	}, [outcome.download]);
	return html`<div class="status-warn" id="read-only-message">
		<strong>Not saved: the configuration file is read-only.</strong> ${outcome.message}
		${url
			? html` <a class="button small" id="download-config" href=${url} download=${outcome.fileName}>Download ${outcome.fileName}</a>`
			: null}
	</div>`;
}

function listSections(changed: readonly string[]): string {
	const names = changed.map((key) => sectionNames[key] ?? key);
	if (names.length === 0) return 'configuration';
	if (names.length === 1) return names[0] as string;
	return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
