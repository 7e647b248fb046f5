import type { CollectorConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { HttpSessions, type UpstreamOutcome } from './http.js';
import { MemorySessions } from './memory.js';
import type { SessionValidator } from './session-validator.js';
import { SignedSessions } from './signed.js';

/** What the validator reports to: the `http` validator counts its upstream calls and logs why a check failed. */
export interface SessionValidatorObservers {
	onUpstreamCall?: (outcome: UpstreamOutcome) => void;
	logger?: Pick<Logger, 'warn'>;
}

export function createSessionValidator(
	{ session, server }: Pick<CollectorConfig, 'session' | 'server'>,
	{ onUpstreamCall, logger }: SessionValidatorObservers = {},
): SessionValidator {
	const { validate, cookieName } = session;
	switch (validate.type) {
		case 'http': {
			const { trustedProxies: _moved, ...settings } = validate;
			return new HttpSessions({
				...settings,
				trustedProxies: server.trustedProxies,
				cookieName,
				...(onUpstreamCall ? { onUpstreamCall } : {}),
				...(logger ? { logger } : {}),
			});
		}
		case 'signed':
			return new SignedSessions(validate.secret);
		case 'memory':
			return new MemorySessions({ ttlSeconds: validate.ttlSeconds });
	}
}
