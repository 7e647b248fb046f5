import { useState } from 'preact/hooks';
import { callApi } from './api.js';
import type { AttributeMapping, MappingCheck, MappingFinding, Problem } from './contract.js';
import { type MappingDraft, copyAttribute, mappingWrite } from './draft.js';
import { html } from './html.js';
import { JsonEditor, ViewSwitch } from './json-editor.js';
import { FieldErrors, TextField, messagesAt, problemsUnder } from './problems.js';
import { RemoveSectionButton } from './remove-section.js';

interface Props {
	draft: MappingDraft | null;
	types: readonly string[];
	problems: readonly Problem[];
	blueconicConfigured: boolean;
	onChange: (draft: MappingDraft | null) => void;
	onJsonValidity: (problem: string | undefined) => void;
}

type CheckState = { state: 'idle' } | { state: 'checking' } | { state: 'done'; check: MappingCheck } | { state: 'failed'; message: string };

const attributesPath = 'profileMapping.attributes';

/** Profile properties mapping: the email and tracking-id properties, and user attributes → profile properties. */
export function MappingCard({ draft, types, problems, blueconicConfigured, onChange, onJsonValidity }: Props) {
	const [view, setView] = useState<'table' | 'json'>('table');
	const [jsonProblem, setJsonProblem] = useState<string | undefined>(undefined);
	const [check, setCheck] = useState<CheckState>({ state: 'idle' });

	if (!draft) {
		return html`<section class="card" id="mapping" aria-labelledby="mapping-title">
			<header class="card-header"><h2 id="mapping-title">Profile properties mapping</h2></header>
			<div class="empty-state">
				<p><strong>No profile mapping.</strong> Profile sync sends each user's email only, into BlueConic's email property.</p>
				<button class="button" type="button" onClick=${() => onChange({ emailPropertyId: 'email', trackingIdPropertyId: '', attributes: [] })}>
					Set up the mapping
				</button>
			</div>
		</section>`;
	}

	const update = (change: Partial<MappingDraft>): void => onChange({ ...draft, ...change });
	const setAttributes = (attributes: AttributeMapping[]): void => update({ attributes });
	const findings = check.state === 'done' ? check.check.findings : [];

	function setJsonValidity(problem: string | undefined): void {
		setJsonProblem(problem);
		onJsonValidity(problem);
	}

	async function checkAgainstBlueConic(): Promise<void> {
		if (!draft) return;
		setCheck({ state: 'checking' });
		const answer = await callApi<MappingCheck>('POST', 'blueconic/check-mapping', { profileMapping: mappingWrite(draft) });
		setCheck(answer.ok ? { state: 'done', check: answer.body } : { state: 'failed', message: answer.body.error.message });
	}

	return html`<section class="card" id="mapping" aria-labelledby="mapping-title">
		<header class="card-header">
			<h2 id="mapping-title">Profile properties mapping</h2>
			<p class="muted">Which BlueConic profile properties receive a user's email, tracking ID and attributes.</p>
		</header>
		<div class="grid-2">
			<${TextField}
				id="email-property"
				label="Email property"
				value=${draft.emailPropertyId}
				hint="The profile property that holds the user's email; BlueConic's own is email."
				errors=${[...messagesAt(problems, 'profileMapping.emailPropertyId'), ...findingsAt(findings, 'profileMapping.emailPropertyId')]}
				onInput=${(emailPropertyId: string) => update({ emailPropertyId })}
			/>
			<${TextField}
				id="tracking-id-property"
				label="Tracking ID property"
				value=${draft.trackingIdPropertyId}
				placeholder="optional"
				hint="The profile property that holds the user's tracking ID. Empty: not sent."
				errors=${[
					...messagesAt(problems, 'profileMapping.trackingIdPropertyId'),
					...findingsAt(findings, 'profileMapping.trackingIdPropertyId'),
				]}
				onInput=${(trackingIdPropertyId: string) => update({ trackingIdPropertyId })}
			/>
		</div>
		<div class="subsection-header">
			<h3>Attributes</h3>
			<${ViewSwitch}
				label="Attributes view"
				views=${[
					{ value: 'table', label: 'Table' },
					{ value: 'json', label: 'JSON' },
				]}
				current=${view}
				disabled=${jsonProblem !== undefined}
				onSwitch=${setView}
			/>
		</div>
		${view === 'table'
			? html`<${AttributeTable} attributes=${draft.attributes} types=${types} problems=${problems} findings=${findings} onChange=${setAttributes} />`
			: html`<div>
					<${JsonEditor}
						id="attributes-json"
						label="Attributes as JSON"
						value=${draft.attributes}
						read=${readAttributes}
						onChange=${setAttributes}
						onValidity=${setJsonValidity}
						hint='An array of { "zephrAttributeId": ..., "blueconic": { "profilePropertyId": ..., "type": ... } }, as the original screen takes it.'
					/>
					<${FieldErrors}
						id="attributes-json-errors"
						messages=${[...problemsUnder(problems, attributesPath), ...findingsUnder(findings, attributesPath)].map(
							(problem) => `${problem.path.slice('profileMapping.'.length)}: ${problem.message}`,
						)}
					/>
				</div>`}
		<div class="actions">
			<button
				class="button"
				type="button"
				id="check-mapping"
				onClick=${checkAgainstBlueConic}
				disabled=${!blueconicConfigured || check.state === 'checking'}
				title=${blueconicConfigured ? undefined : 'Configure and save the BlueConic connection first'}
			>
				${check.state === 'checking' ? 'Checking…' : 'Check against BlueConic'}
			</button>
			<${CheckResult} check=${check} />
			<${RemoveSectionButton}
				id="remove-mapping"
				label="Remove the mapping"
				title="Once saved, profile sync sends each user's email only"
				onRemove=${() => {
					// The JSON view's complaint goes with the section: it would otherwise keep Save blocked.
					setJsonValidity(undefined);
					setView('table');
					onChange(null);
				}}
			/>
		</div>
	</section>`;
}

function CheckResult({ check }: { check: CheckState }) {
	if (check.state === 'failed') return html`<p class="result result-bad" role="status">${check.message}</p>`;
	if (check.state !== 'done') return null;
	const { properties, findings } = check.check;
	return html`<p class=${findings.length === 0 ? 'result result-ok' : 'result result-warn'} id="mapping-check-result" role="status">
		${findings.length === 0
			? `All mapped properties exist in BlueConic with the right types (${properties} properties read).`
			: `${findings.length} ${findings.length === 1 ? 'property needs' : 'properties need'} attention, shown next to ${findings.length === 1 ? 'its row' : 'their rows'} (${properties} properties read).`}
	</p>`;
}

function AttributeTable({
	attributes,
	types,
	problems,
	findings,
	onChange,
}: {
	attributes: readonly AttributeMapping[];
	types: readonly string[];
	problems: readonly Problem[];
	findings: readonly MappingFinding[];
	onChange: (attributes: AttributeMapping[]) => void;
}) {
	const edit = (index: number, change: (row: AttributeMapping) => void): void => {
		const next = attributes.map(copyAttribute);
		const row = next[index];
		if (row) change(row);
		onChange(next);
	};
	return html`<div>
		<table class="table" id="attributes-table">
			<thead>
				<tr>
					<th scope="col">User attribute</th>
					<th scope="col">BlueConic profile property</th>
					<th scope="col">Type</th>
					<th scope="col"><span class="visually-hidden">Remove</span></th>
				</tr>
			</thead>
			<tbody>
				${attributes.length === 0
					? html`<tr><td colspan="4" class="muted empty-row">No attributes mapped yet.</td></tr>`
					: attributes.map((row, index) => {
							const at = `${attributesPath}[${index}]`;
							const attributeErrors = messagesAt(problems, `${at}.zephrAttributeId`);
							const propertyErrors = [
								...messagesAt(problems, `${at}.blueconic.profilePropertyId`),
								...messagesAt(problems, `${at}.blueconic`),
								...findingsAt(findings, `${at}.blueconic.profilePropertyId`),
							];
							const typeErrors = [...messagesAt(problems, `${at}.blueconic.type`), ...findingsAt(findings, `${at}.blueconic.type`)];
							const rowErrors = messagesAt(problems, at);
							const typeKnown = types.includes(row.blueconic.type);
							return html`<tr class=${attributeErrors.length + propertyErrors.length + typeErrors.length + rowErrors.length > 0 ? 'has-error' : ''}>
								<td>
									<input
										aria-label=${`User attribute, row ${index + 1}`}
										value=${row.zephrAttributeId}
										spellcheck=${false}
										aria-invalid=${attributeErrors.length > 0}
										onInput=${(event: Event) => edit(index, (r) => (r.zephrAttributeId = (event.currentTarget as HTMLInputElement).value))}
									/>
									<${FieldErrors} id=${`attr-${index}-id-errors`} messages=${[...attributeErrors, ...rowErrors]} />
								</td>
								<td>
									<input
										aria-label=${`BlueConic profile property, row ${index + 1}`}
										value=${row.blueconic.profilePropertyId}
										spellcheck=${false}
										aria-invalid=${propertyErrors.length > 0}
										onInput=${(event: Event) =>
											edit(index, (r) => (r.blueconic.profilePropertyId = (event.currentTarget as HTMLInputElement).value))}
									/>
									<${FieldErrors} id=${`attr-${index}-property-errors`} messages=${propertyErrors} />
								</td>
								<td>
									<select
										aria-label=${`Type, row ${index + 1}`}
										value=${row.blueconic.type}
										aria-invalid=${typeErrors.length > 0}
										onChange=${(event: Event) => edit(index, (r) => (r.blueconic.type = (event.currentTarget as HTMLSelectElement).value))}
									>
										${typeKnown ? null : html`<option value=${row.blueconic.type}>${row.blueconic.type || 'Pick a type'}</option>`}
										${types.map((type) => html`<option value=${type}>${type}</option>`)}
									</select>
									<${FieldErrors} id=${`attr-${index}-type-errors`} messages=${typeErrors} />
								</td>
								<td class="cell-action">
									<button
										class="button small subtle"
										type="button"
										aria-label=${`Remove row ${index + 1}`}
										onClick=${() => onChange(attributes.filter((_, i) => i !== index).map(copyAttribute))}
									>
										Remove
									</button>
								</td>
							</tr>`;
						})}
			</tbody>
		</table>
		<button
			class="button small"
			type="button"
			id="add-attribute"
			onClick=${() =>
				onChange([...attributes.map(copyAttribute), { zephrAttributeId: '', blueconic: { profilePropertyId: '', type: types[0] ?? 'TEXT' } }])}
		>
			+ Add attribute
		</button>
	</div>`;
}

function findingsAt(findings: readonly MappingFinding[], path: string): string[] {
	return findings.filter((finding) => finding.path === path).map((finding) => findingText(finding));
}

function findingsUnder(findings: readonly MappingFinding[], path: string): Problem[] {
	return findings
		.filter((finding) => finding.path.startsWith(`${path}[`))
		.map((finding) => ({ path: finding.path, message: findingText(finding) }));
}

function findingText(finding: MappingFinding): string {
	return finding.message;
}

/** The raw JSON of the attributes, in the original's format: an array of mappings. */
function readAttributes(json: unknown): { value: AttributeMapping[] } | { problem: string } {
	if (!Array.isArray(json)) return { problem: 'must be a JSON array of attribute mappings' };
	const rows: AttributeMapping[] = [];
	for (const [index, item] of json.entries()) {
		const entry = item as { zephrAttributeId?: unknown; blueconic?: { profilePropertyId?: unknown; type?: unknown } } | null;
		if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { problem: `[${index}] must be an object` };
		const blueconic = entry.blueconic;
		if (typeof blueconic !== 'object' || blueconic === null) return { problem: `[${index}].blueconic must be an object` };
		for (const [field, value] of [
			['zephrAttributeId', entry.zephrAttributeId],
			['blueconic.profilePropertyId', blueconic.profilePropertyId],
			['blueconic.type', blueconic.type],
		] as const) {
			if (typeof value !== 'string') return { problem: `[${index}].${field} must be a string` };
		}
		rows.push({
			zephrAttributeId: entry.zephrAttributeId as string,
			blueconic: { profilePropertyId: blueconic.profilePropertyId as string, type: blueconic.type as string },
		});
	}
	return { value: rows };
}
