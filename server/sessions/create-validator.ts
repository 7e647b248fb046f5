import type { CollectorConfig } from '../config/schema.js';
import { HttpSessions, type UpstreamOutcome } from './http.js';
import { MemorySessions } from './memory.js';
import type { SessionValidator } from './session-validator.js';
import { SignedSessions } from './signed.js';

export function createSessionValidator(
	session: CollectorConfig['session'],
	onUpstreamCall?: (outcome: UpstreamOutcome) => void,
): SessionValidator {
	const { validate, cookieName } = session;
	switch (validate.type) {
		case 'http':
			return new HttpSessions({ ...validate, cookieName, ...(onUpstreamCall ? { onUpstreamCall } : {}) });
		case 'signed':
			return new SignedSessions(validate.secret);
		case 'memory':
			return new MemorySessions({ ttlSeconds: validate.ttlSeconds });
	}
}
