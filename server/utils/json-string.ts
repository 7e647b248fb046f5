// What JSON.stringify escapes in a string: the quote, the backslash, control characters and lone surrogates. One
// class of code units, nothing to backtrack; any surrogate (paired or not) takes the slow path, which tells them apart.
const escaped = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `JSON.stringify(text)`, the same characters, without the call into the runtime when nothing needs escaping (as
 * with every segment id seen in practice): a hot answer's one client-given string, built into its JSON by hand.
 */
export function jsonString(text: string): string {
	return escaped.test(text) ? JSON.stringify(text) : `"${text}"`;
}
