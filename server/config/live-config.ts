import type { LiveSettings } from './live-settings.js';

/**
 * The contract of live configuration, shared by the reload machinery (file watch, SIGHUP, replicas over Redis)
 * and the admin console. The implementation lives beside it in server/config/.
 */

/** What asked for a change: the watched file, SIGHUP, a save in the console, a save on another replica. */
export type ConfigChangeSource = 'file' | 'signal' | 'console' | 'replica';

/** One problem with a candidate configuration, at the path the schema names (`sites[0].host`, `(root)`). */
export interface ConfigProblem {
	path: string;
	message: string;
}

/** A candidate checked against the configuration in force. `changed` lists the top-level fields that differ. */
export type ConfigCheck =
	| { status: 'valid'; changed: string[] }
	| { status: 'invalid'; problems: ConfigProblem[] }
	/** Valid, but it changes fields that only a restart can apply (the store type, the session validator...). */
	| { status: 'restart_required'; problems: ConfigProblem[] };

export type ConfigChangeResult =
	/** In force for every request that starts from now on; `written` says whether the file was rewritten. */
	| { status: 'applied'; changed: string[]; written: boolean }
	| { status: 'unchanged' }
	| Exclude<ConfigCheck, { status: 'valid' }>
	/** A console save where the configuration file cannot be written (a mounted file): nothing was applied. */
	| { status: 'read_only'; message: string };

export interface LiveConfig {
	/** The settings in force; a request reads them once, when it starts. */
	current(): LiveSettings;
	/** The configuration in force as it is written (its `env:` references unresolved), for the console. */
	source(): unknown;
	/** The file it was read from, and whether the console can write it; `undefined` when given in code. */
	file(): { path: string; writable: boolean } | undefined;
	/** Checks a whole candidate configuration (as written, `env:` references unresolved); applies nothing. */
	check(candidate: unknown): ConfigCheck;
	/**
	 * The console's save: checks the candidate, writes the file atomically (a temporary file renamed over it, the
	 * previous version kept as a backup), puts it in force, and tells the other replicas (with Redis).
	 */
	save(candidate: unknown): Promise<ConfigChangeResult>;
	/** Reads the file again and puts it in force when valid (file watch, SIGHUP); logs what it did. */
	reload(source: 'file' | 'signal'): Promise<ConfigChangeResult>;
	/** Calls `listener` after every applied change; returns a function that removes it. */
	onApplied(listener: (settings: LiveSettings, source: ConfigChangeSource) => void): () => void;
}
