/** A header value as one string (several values joined by ", ", as HTTP combines them); undefined when absent. */
export function headerText(value: number | string | readonly string[] | undefined): string | undefined {
	if (value === undefined) return undefined;
	return typeof value === 'object' ? value.join(', ') : String(value);
}
