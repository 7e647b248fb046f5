import { ConfigError } from '../errors/config-error.js';
import { loadConfigSections } from './config-sections.js';
import type { BlueConicConfig, CollectorConfig } from './schema.js';

/** The sections `blueconic-bridge worker` and `queue` read; `blueconic` only matters to the worker. */
export interface QueueCommandConfig {
	readonly store: Extract<CollectorConfig['store'], { type: 'redis' }>;
	readonly blueconic: BlueConicConfig | undefined;
	readonly profileMapping: CollectorConfig['profileMapping'];
	readonly profileSync: CollectorConfig['profileSync'];
}

/**
 * Reads a configuration file for a queue command: the collector's own file works as is, and so does one holding only
 * these sections (see `parseConfigSections`). Throws `ConfigError`.
 */
export async function loadQueueCommandConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<QueueCommandConfig> {
	const { store, blueconic, profileMapping, profileSync } = await loadConfigSections(
		path,
		['store', 'blueconic', 'profileMapping', 'profileSync'],
		env,
	);
	if (store.type !== 'redis') {
		throw new ConfigError(['store: must be {"type": "redis", "url": ...}: the profile-sync queue lives in Redis']);
	}
	return { store, blueconic, profileMapping, profileSync };
}
