/**
 * A client-chosen string cut to `maxLength` characters, saying how much was cut: for anything that quotes one in
 * a log line or an error message, so that no client can flood either with what it sends.
 */
export function capText(text: string, maxLength = 100): string {
	return text.length <= maxLength ? text : `${text.slice(0, maxLength)}... (${text.length - maxLength} more characters)`;
}
