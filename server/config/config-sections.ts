import { z } from 'zod';
import type { ConfigProblem } from './live-config.js';
import { readConfigJson, resolveEnvReferences, validateConfig } from './load.js';
import { type CollectorConfig, configSchema } from './schema.js';

export type ConfigSection = keyof typeof configSchema.shape;

/**
 * Validates only `sections` of a configuration, exactly as `serve` validates them, for the commands that need a
 * few (`sync`, `worker`, `queue`). One file can serve every command, so the collector's other sections are allowed
 * but neither read nor checked, and their `env:` references need not be set (a worker needs no session secret or
 * API key). A section unknown to `serve` too is still an error. Throws `ConfigError` listing every problem found.
 */
export function parseConfigSections<Section extends ConfigSection>(
	input: unknown,
	sections: readonly Section[],
	env: NodeJS.ProcessEnv = process.env,
): Pick<CollectorConfig, Section> {
	const wanted = new Set<string>(sections);
	// Derived from the collector's schema, so a section added there is accepted here without a second list.
	const shape = Object.fromEntries(
		Object.entries(configSchema.shape).map(([name, schema]) => [name, wanted.has(name) ? schema : z.unknown().optional()]),
	);
	const problems: ConfigProblem[] = [];
	const resolved =
		input !== null && typeof input === 'object' && !Array.isArray(input)
			? Object.fromEntries(
					Object.entries(input).map(([name, value]) => [
						name,
						wanted.has(name) ? resolveEnvReferences(value, [name], env, problems) : value,
					]),
				)
			: input;
	const config = validateConfig(z.strictObject(shape), resolved, problems) as Record<string, unknown>;
	return Object.fromEntries(sections.map((name) => [name, config[name]])) as Pick<CollectorConfig, Section>;
}

/** `parseConfigSections` of a configuration file. */
export async function loadConfigSections<Section extends ConfigSection>(
	path: string,
	sections: readonly Section[],
	env: NodeJS.ProcessEnv = process.env,
): Promise<Pick<CollectorConfig, Section>> {
	return parseConfigSections(await readConfigJson(path), sections, env);
}
