import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors/config-error.js';
import { parseConfig } from './load.js';
import type { BlueConicConfig, CollectorConfig } from './schema.js';

/** The sections `blueconic-bridge worker` and `queue` read; `blueconic` only matters to the worker. */
export interface QueueCommandConfig {
	readonly store: Extract<CollectorConfig['store'], { type: 'redis' }>;
	readonly blueconic: BlueConicConfig | undefined;
	readonly profileMapping: CollectorConfig['profileMapping'];
	readonly profileSync: CollectorConfig['profileSync'];
}

const sections = ['store', 'blueconic', 'profileMapping', 'profileSync'] as const;

/**
 * Reads a configuration file for a queue command: the collector's own file works as is, and so does one holding only
 * the sections above (a worker deployed on its own needs no sessions, sites or API keys). Those sections are
 * validated, and their `env:` references resolved, exactly as `serve` does; the others are not read at all.
 * Throws `ConfigError`.
 */
export async function loadQueueCommandConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<QueueCommandConfig> {
	let json: unknown;
	try {
		json = JSON.parse(await readFile(path, 'utf8'));
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new ConfigError([code ? `${path}: cannot be read (${code})` : `${path}: is not valid JSON (${(error as Error).message})`]);
	}
	if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError(['(root): must be a JSON object']);
	const picked = Object.fromEntries(sections.flatMap((name) => (name in json ? [[name, (json as Record<string, unknown>)[name]]] : [])));
	// The collector-only sections get placeholders, so that the one schema (and its error paths) serves here too.
	const config = parseConfig({ ...picked, session: { validate: { type: 'memory' } }, sites: '*' }, env);
	if (config.store.type !== 'redis') {
		throw new ConfigError(['store: must be {"type": "redis", "url": ...}: the profile-sync queue lives in Redis']);
	}
	return { store: config.store, blueconic: config.blueconic, profileMapping: config.profileMapping, profileSync: config.profileSync };
}
