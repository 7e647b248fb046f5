/**
 * Text a client chose (an event type, a user id, an answer's message) as it may appear in a log line: cut to a
 * bounded length, so one request cannot write megabytes into the log.
 */
export const maxLoggedTextLength = 100;

export function loggedText(text: string, maxLength: number = maxLoggedTextLength): string {
	return text.length <= maxLength ? text : `${text.slice(0, maxLength)}… (${text.length} characters)`;
}

/** At most `maxCount` distinct texts, each cut by `loggedText`, in the order first seen: a sample for one log line. */
export function loggedSample(texts: Iterable<string>, maxCount: number): string[] {
	const sample = new Set<string>();
	for (const text of texts) {
		if (sample.size >= maxCount) break;
		sample.add(loggedText(text));
	}
	return [...sample];
}
