import { ApiKeys } from '../http/api-key.js';
import { Sites } from '../http/sites.js';
import type { CollectorConfig } from './schema.js';

/**
 * What requests read of the configuration, built once per configuration. A request takes the current settings
 * when it starts and keeps them until it is answered, so that a reload never changes the rules halfway through.
 */
export interface LiveSettings {
	readonly config: CollectorConfig;
	/** The sites of `config.sites`, by host. */
	readonly sites: Sites;
	/** The backend API keys of `config.apiKeys`. */
	readonly apiKeys: ApiKeys;
}

export function liveSettingsOf(config: CollectorConfig): LiveSettings {
	return Object.freeze({ config, sites: new Sites(config.sites), apiKeys: new ApiKeys(config.apiKeys) });
}
