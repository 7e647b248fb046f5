import { z } from 'zod';
import { readConfigJson, resolveEnvReferences, validateConfig } from './load.js';
import { type BlueConicConfig, configSchema, type ProfileMappingConfig, type ProfileSyncConfig } from './schema.js';

/**
 * What `blueconic-bridge sync` reads of a configuration file: `blueconic` (required), `profileMapping` and
 * `profileSync`, validated exactly as `serve` validates them. One file can serve both commands, so the collector's
 * other sections (`session`, `sites`, `apiKeys`, ...) are allowed but neither read nor checked, and their `env:`
 * references need not be set: a backfill needs no API key. A field unknown to `serve` too is still an error.
 */
export interface SyncConfig {
	readonly blueconic: BlueConicConfig;
	readonly profileMapping: ProfileMappingConfig | undefined;
	readonly profileSync: ProfileSyncConfig;
}

const { blueconic, profileMapping, profileSync } = configSchema.shape;
const syncSections = new Set(['blueconic', 'profileMapping', 'profileSync']);
// Derived from the collector's schema, so a section added there is accepted here without a second list.
const collectorOnlySections = Object.fromEntries(
	Object.keys(configSchema.shape)
		.filter((section) => !syncSections.has(section))
		.map((section) => [section, z.unknown().optional()]),
);

const syncConfigSchema = z
	.strictObject({ ...collectorOnlySections, blueconic, profileMapping, profileSync })
	.transform((config, ctx): SyncConfig => {
		if (config.blueconic === undefined) {
			ctx.addIssue({ code: 'custom', path: ['blueconic'], message: 'is required to sync profiles' });
			return z.NEVER;
		}
		return { blueconic: config.blueconic, profileMapping: config.profileMapping, profileSync: config.profileSync };
	});

/** Reads and validates a configuration file for `sync`. Throws `ConfigError` listing every problem found. */
export async function loadSyncConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<SyncConfig> {
	return parseSyncConfig(await readConfigJson(path), env);
}

/** Validates a configuration value for `sync`, resolving `env:` references in the sections it reads only. */
export function parseSyncConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): SyncConfig {
	const problems: string[] = [];
	const resolved =
		input !== null && typeof input === 'object' && !Array.isArray(input)
			? Object.fromEntries(
					Object.entries(input).map(([section, value]) => [
						section,
						syncSections.has(section) ? resolveEnvReferences(value, [section], env, problems) : value,
					]),
				)
			: input;
	return validateConfig(syncConfigSchema, resolved, problems);
}
