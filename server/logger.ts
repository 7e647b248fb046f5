import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs, on stdout unless `destination` is given. Request headers that carry credentials are
 * redacted wherever they appear, as a second line of defence: code should not log them in the first place.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
	const options = {
		level,
		base: { service: 'blueconic-bridge' },
		redact: {
			paths: ['*.headers.cookie', '*.headers.authorization', '*.cookie', '*.authorization', '*.clientSecret', '*.secret'],
			censor: '[redacted]',
		},
	};
	return destination === undefined ? pino(options) : pino(options, destination);
}
