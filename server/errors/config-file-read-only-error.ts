import { basename } from 'node:path';

/**
 * The configuration file, or its folder, cannot be written (a mounted ConfigMap or secret): a console save is refused
 * and nothing applied. The message names the file without its folder.
 */
export class ConfigFileReadOnlyError extends Error {
	override readonly name = 'ConfigFileReadOnlyError';

	constructor(path: string) {
		super(
			`the configuration file ${basename(path)} (or its folder) cannot be written: it is read-only, e.g. a mounted config; change it where it comes from`,
		);
	}
}

export function isConfigFileReadOnlyError(value: unknown): value is ConfigFileReadOnlyError {
	return value instanceof ConfigFileReadOnlyError;
}
