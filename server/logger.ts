import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stdout. Request headers that carry credentials are redacted wherever they appear,
 * as a second line of defence: code should not log them in the first place.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
	return pino({
		level,
		base: { service: 'blueconic-bridge' },
		redact: {
			paths: ['*.headers.cookie', '*.headers.authorization', '*.cookie', '*.authorization', '*.clientSecret', '*.secret'],
			censor: '[redacted]',
		},
	});
}
