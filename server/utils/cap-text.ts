/**
 * A client-chosen string cut to `maxLength` characters, saying how much was cut: for anything that quotes one in
 * a log line or an error message, so that no client can flood either with what it sends.
 */
export function capText(text: string, maxLength = 100): string {
	return text.length <= maxLength ? text : `${text.slice(0, maxLength)}... (${text.length - maxLength} more characters)`;
}

/** At most `maxCount` distinct texts, each cut by `capText`, in the order first seen: a sample for one log line. */
export function cappedSample(texts: Iterable<string>, maxCount: number): string[] {
	const sample = new Set<string>();
	for (const text of texts) {
		if (sample.size >= maxCount) break;
		sample.add(capText(text));
	}
	return [...sample];
}
