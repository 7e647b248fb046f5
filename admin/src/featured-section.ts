import { useState } from 'preact/hooks';
import type { Problem } from './contract.js';
import { type FeaturedRow, featuredRowProblems, featuredWrite } from './draft.js';
import { html } from './html.js';
import { JsonEditor, ViewSwitch } from './json-editor.js';
import { FieldErrors, messagesAt, problemsUnder } from './problems.js';
import { SegmentPicker } from './segment-picker.js';

interface Props {
	rows: readonly FeaturedRow[];
	problems: readonly Problem[];
	blueconicConfigured: boolean;
	onChange: (rows: FeaturedRow[]) => void;
	onJsonValidity: (problem: string | undefined) => void;
}

/** Featured segments: the ids (with display names) a "featured" decision may name. */
export function FeaturedCard({ rows, problems, blueconicConfigured, onChange, onJsonValidity }: Props) {
	const [view, setView] = useState<'list' | 'json'>('list');
	const [jsonProblem, setJsonProblem] = useState<string | undefined>(undefined);
	const [picking, setPicking] = useState(false);
	const rowProblems = featuredRowProblems(rows);

	function setJsonValidity(problem: string | undefined): void {
		setJsonProblem(problem);
		onJsonValidity(problem);
	}

	const edit = (index: number, change: Partial<FeaturedRow>): void =>
		onChange(rows.map((row, i) => (i === index ? { ...row, ...change } : { ...row })));

	return html`<section class="card" id="featured" aria-labelledby="featured-title">
		<header class="card-header">
			<h2 id="featured-title">Featured segments</h2>
			<p class="muted">The segments a publisher's rules pick from by name. A decision on a segment not listed here is refused.</p>
		</header>
		<div class="subsection-header">
			<h3>${rows.length} featured ${rows.length === 1 ? 'segment' : 'segments'}</h3>
			<${ViewSwitch}
				label="Featured segments view"
				views=${[
					{ value: 'list', label: 'List' },
					{ value: 'json', label: 'JSON' },
				]}
				current=${view}
				disabled=${jsonProblem !== undefined}
				onSwitch=${setView}
			/>
		</div>
		<${FieldErrors} id="featured-errors" messages=${messagesAt(problems, 'featuredSegments')} />
		${view === 'list'
			? html`<div>
					<table class="table" id="featured-table">
						<thead>
							<tr>
								<th scope="col">Segment ID</th>
								<th scope="col">Name shown in rules</th>
								<th scope="col"><span class="visually-hidden">Remove</span></th>
							</tr>
						</thead>
						<tbody>
							${rows.length === 0
								? html`<tr><td colspan="3" class="muted empty-row">No featured segments yet. Pick some from BlueConic or add one.</td></tr>`
								: rows.map((row, index) => {
										const errors = [
											...(rowProblems.has(index) ? [rowProblems.get(index) as string] : []),
											...problemsUnder(problems, `featuredSegments.${row.id}`).map((problem) => problem.message),
										];
										return html`<tr class=${errors.length > 0 ? 'has-error' : ''}>
											<td>
												<input
													aria-label=${`Segment ID, row ${index + 1}`}
													value=${row.id}
													spellcheck=${false}
													aria-invalid=${errors.length > 0}
													onInput=${(event: Event) => edit(index, { id: (event.currentTarget as HTMLInputElement).value })}
												/>
												<${FieldErrors} id=${`featured-${index}-errors`} messages=${errors} />
											</td>
											<td>
												<input
													aria-label=${`Name, row ${index + 1}`}
													value=${row.name}
													onInput=${(event: Event) => edit(index, { name: (event.currentTarget as HTMLInputElement).value })}
												/>
											</td>
											<td class="cell-action">
												<button
													class="button small subtle"
													type="button"
													aria-label=${`Remove ${row.name || row.id || `row ${index + 1}`}`}
													onClick=${() => onChange(rows.filter((_, i) => i !== index))}
												>
													Remove
												</button>
											</td>
										</tr>`;
									})}
						</tbody>
					</table>
					<div class="actions">
						<button class="button small" type="button" id="add-featured" onClick=${() => onChange([...rows, { id: '', name: '' }])}>
							+ Add by ID
						</button>
						<button
							class="button small primary-outline"
							type="button"
							id="pick-featured"
							aria-expanded=${picking}
							disabled=${!blueconicConfigured}
							title=${blueconicConfigured ? undefined : 'Configure and save the BlueConic connection first'}
							onClick=${() => setPicking(!picking)}
						>
							${picking ? 'Close the BlueConic list' : 'Pick from BlueConic…'}
						</button>
					</div>
					${picking
						? html`<${SegmentPicker}
								featuredIds=${new Set(rows.map((row) => row.id))}
								onPick=${(id: string, name: string) => onChange([...rows, { id, name }])}
							/>`
						: null}
				</div>`
			: html`<${JsonEditor}
					id="featured-json"
					label="Featured segments as JSON"
					value=${featuredWrite(rows)}
					read=${readFeatured}
					onChange=${(map: Record<string, string>) => onChange(Object.entries(map).map(([id, name]) => ({ id, name })))}
					onValidity=${setJsonValidity}
					hint='A flat object of segment id → name, as the original screen takes it: { "seg1": "Segment 1" }.'
				/>`}
	</section>`;
}

function readFeatured(json: unknown): { value: Record<string, string> } | { problem: string } {
	if (typeof json !== 'object' || json === null || Array.isArray(json)) return { problem: 'must be a JSON object of id → name' };
	for (const [id, name] of Object.entries(json)) {
		if (typeof name !== 'string') return { problem: `the name of "${id}" must be a string` };
	}
	return { value: json as Record<string, string> };
}
