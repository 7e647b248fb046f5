import { html } from './html.js';

interface Props {
	id: string;
	label: string;
	/** What removing the section does once saved. */
	title: string;
	onRemove: () => void;
}

/** Takes a section out of the draft: the next save removes it from the configuration. */
export function RemoveSectionButton({ id, label, title, onRemove }: Props) {
	return html`<button class="button subtle" type="button" id=${id} title=${title} onClick=${onRemove}>${label}</button>`;
}
