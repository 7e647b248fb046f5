/**
 * The slice of a pino logger the BlueConic client and profile sync write to; a pino `Logger` fits as is.
 * Fields never hold the client secret or a token.
 */
export interface LogSink {
	debug(fields: object, message: string): void;
	info(fields: object, message: string): void;
	warn(fields: object, message: string): void;
	error(fields: object, message: string): void;
}

export const silentLogSink: LogSink = Object.freeze({
	debug() {},
	info() {},
	warn() {},
	error() {},
});
