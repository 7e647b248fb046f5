/**
 * Takes a session id out of text that came from elsewhere: the collector's error message, or a network error's
 * reason. A wrong `baseUrl` reaches a router (the collector's, a proxy's, another app's) whose 404 message echoes
 * the path it was asked for, and that path holds the session id, URL-encoded, perhaps cut short.
 */

const placeholder = ':sessionId';

// An echoed path: the segment after `sessions/`, encoded or not, whole or truncated, up to the next `/`, space or
// quote. One character class and nothing after it: linear, it cannot backtrack.
const echoedSessionSegment = /sessions\/[^/\s"'<>]+/g;

/**
 * Ids this short are not worth guessing at inside words (every "s" of a message would go); a real session id is a
 * long random token. An echoed path is caught by its `sessions/` segment whatever the id's length.
 */
const minimumIdLengthToReplaceAnywhere = 8;

export function redactSessionId(text: string, sessionId: string | undefined): string {
	if (sessionId === undefined) return text;
	let redacted = text;
	// Whole ids first: a decoded echo of an id holding a `/` would otherwise keep the part after it.
	if (sessionId.length >= minimumIdLengthToReplaceAnywhere) {
		for (const form of new Set([sessionId, encodeURIComponent(sessionId)])) redacted = redacted.replaceAll(form, placeholder);
	}
	return redacted.replace(echoedSessionSegment, `sessions/${placeholder}`);
}
