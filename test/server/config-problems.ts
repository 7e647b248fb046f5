import { parseConfig } from '../../server/config/load.js';
import { ConfigError } from '../../server/errors/config-error.js';

/** The problems `parseConfig` reports for `input`; fails the test when the input is accepted. */
export function configProblemsOf(input: unknown, env: NodeJS.ProcessEnv = {}): readonly string[] {
	try {
		parseConfig(input, env);
	} catch (error) {
		if (error instanceof ConfigError) return error.problems;
		throw error;
	}
	throw new Error('expected a ConfigError');
}
