import { ConfigError } from '../errors/config-error.js';
import { parseConfigSections } from './config-sections.js';
import { readConfigJson } from './load.js';
import type { BlueConicConfig, ProfileMappingConfig, ProfileSyncConfig } from './schema.js';

/** What `blueconic-bridge sync` reads of a configuration file: `blueconic` (required), `profileMapping`, `profileSync`. */
export interface SyncConfig {
	readonly blueconic: BlueConicConfig;
	readonly profileMapping: ProfileMappingConfig | undefined;
	readonly profileSync: ProfileSyncConfig;
}

/** Reads and validates a configuration file for `sync`. Throws `ConfigError` listing every problem found. */
export async function loadSyncConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<SyncConfig> {
	return parseSyncConfig(await readConfigJson(path), env);
}

/** Validates a configuration value for `sync` (see `parseConfigSections`: the other sections are not read). */
export function parseSyncConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): SyncConfig {
	const { blueconic, profileMapping, profileSync } = parseConfigSections(input, ['blueconic', 'profileMapping', 'profileSync'], env);
	if (blueconic === undefined) throw new ConfigError(['blueconic: is required to sync profiles']);
	return { blueconic, profileMapping, profileSync };
}
