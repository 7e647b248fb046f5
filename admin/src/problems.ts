import type { Problem } from './contract.js';
import { html } from './html.js';

/** Messages of the problems at exactly `path`. */
export function messagesAt(problems: readonly Problem[], path: string): string[] {
	return problems.filter((problem) => problem.path === path).map((problem) => problem.message);
}

/** Problems at `path` or anywhere inside it (`sites[0]` holds `sites[0].host` and `sites[0].origins[1]`). */
export function problemsUnder(problems: readonly Problem[], path: string): Problem[] {
	return problems.filter(
		(problem) => problem.path === path || problem.path.startsWith(`${path}.`) || problem.path.startsWith(`${path}[`),
	);
}

/** The messages shown under a field; `id` lets the field point at them with aria-describedby. */
export function FieldErrors({ id, messages }: { id: string; messages: readonly string[] }) {
	if (messages.length === 0) return null;
	return html`<ul class="field-errors" id=${id} role="alert">
		${messages.map((message) => html`<li>${message}</li>`)}
	</ul>`;
}

/** A labelled input with its errors underneath. */
export function TextField(props: {
	id: string;
	label: string;
	value: string;
	onInput: (value: string) => void;
	errors?: readonly string[];
	hint?: string;
	placeholder?: string;
	type?: string;
	autocomplete?: string;
}) {
	const errors = props.errors ?? [];
	const errorsId = `${props.id}-errors`;
	return html`<div class=${errors.length > 0 ? 'field has-error' : 'field'}>
		<label for=${props.id}>${props.label}</label>
		<input
			id=${props.id}
			type=${props.type ?? 'text'}
			value=${props.value}
			placeholder=${props.placeholder}
			autocomplete=${props.autocomplete ?? 'off'}
			spellcheck=${false}
			aria-invalid=${errors.length > 0}
			aria-describedby=${errors.length > 0 ? errorsId : undefined}
			onInput=${(event: Event) => props.onInput((event.currentTarget as HTMLInputElement).value)}
		/>
		${props.hint ? html`<p class="hint">${props.hint}</p>` : null}
		<${FieldErrors} id=${errorsId} messages=${errors} />
	</div>`;
}
