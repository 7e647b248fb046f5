/**
 * The relative link targets of a Markdown text (`[text](docs/sdk.md)`, `[text](client.md#errors)`), without their
 * `#fragment`; absolute URLs, `mailto:` and links to a heading of the same file are left out.
 */
export function relativeMarkdownLinks(markdown: string): string[] {
	const links: string[] = [];
	// `](` then everything up to the closing parenthesis: one negated class, so it cannot backtrack.
	for (const [, target = ''] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
		if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
		links.push(target.split('#', 1)[0] as string);
	}
	return links;
}
