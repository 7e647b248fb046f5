/**
 * A configuration problem found at start-up. `problems` lists every one found, each starting with the path of
 * the field it is about (`sites[0].origins[1]: must be an http or https origin`), so an operator fixes them all
 * in one go instead of one per restart.
 */
export class ConfigError extends Error {
	override readonly name = 'ConfigError';

	constructor(readonly problems: readonly string[]) {
		super(`invalid configuration:\n  ${problems.join('\n  ')}`);
	}
}

export function isConfigError(value: unknown): value is ConfigError {
	return value instanceof ConfigError;
}
