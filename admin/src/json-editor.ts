import { useState } from 'preact/hooks';
import { html } from './html.js';

interface Props<T> {
	id: string;
	label: string;
	value: T;
	/** Turns parsed JSON into the value, or says in a sentence why it cannot. */
	read: (json: unknown) => { value: T } | { problem: string };
	onChange: (value: T) => void;
	/** Tells the parent whether the text is unusable, so Save can refuse until it is fixed. */
	onValidity: (problem: string | undefined) => void;
	hint: string;
}

/**
 * A raw JSON editor over the same data as a table: it starts from the current value, and every edit that
 * parses updates that value at once, so switching back to the table keeps it. Text that does not parse stays as
 * typed, with the reason, and is not applied.
 */
export function JsonEditor<T>({ id, label, value, read, onChange, onValidity, hint }: Props<T>) {
	const [text, setText] = useState(() => JSON.stringify(value, null, 2));
	const [problem, setProblem] = useState<string | undefined>(undefined);

	function edit(next: string): void {
		setText(next);
		let outcome: { value: T } | { problem: string };
		try {
			outcome = read(JSON.parse(next));
		} catch (error) {
			outcome = { problem: `not valid JSON: ${(error as Error).message}` };
		}
		const nextProblem = 'problem' in outcome ? outcome.problem : undefined;
		setProblem(nextProblem);
		onValidity(nextProblem);
		if ('value' in outcome) onChange(outcome.value);
	}

	return html`<div class=${problem ? 'field has-error' : 'field'}>
		<label for=${id}>${label}</label>
		<textarea
			id=${id}
			class="code"
			rows=${Math.min(18, Math.max(6, text.split('\n').length + 1))}
			spellcheck=${false}
			aria-invalid=${problem !== undefined}
			aria-describedby=${`${id}-hint`}
			value=${text}
			onInput=${(event: Event) => edit((event.currentTarget as HTMLTextAreaElement).value)}
		></textarea>
		<p class="hint" id=${`${id}-hint`}>${hint}</p>
		${problem ? html`<p class="field-error" role="alert">${problem}</p>` : null}
	</div>`;
}

/** A small segmented control: which view of the same data is shown. */
export function ViewSwitch<V extends string>({
	label,
	views,
	current,
	disabled,
	onSwitch,
}: {
	label: string;
	views: readonly { value: V; label: string }[];
	current: V;
	disabled?: boolean;
	onSwitch: (view: V) => void;
}) {
	return html`<div class="view-switch" role="group" aria-label=${label}>
		${views.map(
			(view) => html`<button
				type="button"
				class=${view.value === current ? 'active' : ''}
				aria-pressed=${view.value === current}
				disabled=${disabled && view.value !== current}
				onClick=${() => onSwitch(view.value)}
			>
				${view.label}
			</button>`,
		)}
	</div>`;
}
