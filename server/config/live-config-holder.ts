import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../logger.js';
import { changedFields, restartProblems } from './config-diff.js';
import { isConfigFileReadOnlyError } from '../errors/config-file-read-only-error.js';
import { ConfigFile } from './config-file.js';
import type { ConfigChangeResult, ConfigChangeSource, ConfigCheck, ConfigProblem, LiveConfig } from './live-config.js';
import { type LiveSettings, liveSettingsOf } from './live-settings.js';
import { checkConfig } from './load.js';
import type { CollectorConfig } from './schema.js';

/** Where a save is sent to the other replicas (Redis pub/sub, see config-broadcast.ts). */
export interface ConfigPublisher {
	publish(source: unknown): Promise<void>;
}

export interface LiveConfigOptions {
	/** The configuration in force at start, as written (`env:` references unresolved) and as validated. */
	readonly source: unknown;
	readonly config: CollectorConfig;
	/** The file `source` was read from, reloaded on `reload()` and written by `save()`. */
	readonly file?: string | undefined;
	/** Resolves `env:` references of every candidate (the process's own environment by default). */
	readonly env?: NodeJS.ProcessEnv;
	readonly logger: Logger;
}

/** `LiveConfig` with what its owner (createCollector) wires: the replicas' channel, and changes they send. */
export interface LiveConfigHolder extends LiveConfig {
	/** Saves are published here once applied (with Redis). */
	setPublisher(publisher: ConfigPublisher | undefined): void;
	/** A configuration another replica saved (as written): checked and applied here, with this file rewritten. */
	applyFromReplica(source: unknown): Promise<ConfigChangeResult>;
}

/**
 * Holds the configuration in force and swaps it whole: a change is checked by the same schema as at start, compared
 * with what is in force (only `liveFields` may change), then the new `LiveSettings` replace the old in one
 * assignment. A request holds the settings it started with, so it finishes on them. Changes run one at a time.
 */
export function createLiveConfig(options: LiveConfigOptions): LiveConfigHolder {
	const { logger } = options;
	const env = options.env ?? process.env;
	const file = options.file === undefined ? undefined : new ConfigFile(options.file);
	let settings = liveSettingsOf(options.config);
	let source = structuredClone(options.source);
	// The file's content as last read or written here: a watch event for our own save, or for a file that was
	// touched but not changed, is then recognised without parsing it again.
	let fileText = file === undefined ? undefined : readTextOrUndefined(file.path);
	let publisher: ConfigPublisher | undefined;
	const listeners = new Set<(settings: LiveSettings, source: ConfigChangeSource) => void>();
	let changes: Promise<unknown> = Promise.resolve();

	function exclusive<T>(change: () => Promise<T>): Promise<T> {
		const next = changes.then(change);
		changes = next.catch(() => {});
		return next;
	}

	function checkCandidate(candidate: unknown): { check: ConfigCheck; config?: CollectorConfig } {
		const parsed = checkConfig(candidate, env);
		if (!parsed.ok) return { check: { status: 'invalid', problems: parsed.problems } };
		const changed = changedFields(settings.config, parsed.config);
		const problems = restartProblems(settings.config, parsed.config, changed);
		if (problems.length > 0) return { check: { status: 'restart_required', problems } };
		return { check: { status: 'valid', changed }, config: parsed.config };
	}

	function apply(config: CollectorConfig, candidate: unknown, changeSource: ConfigChangeSource): void {
		settings = liveSettingsOf(config);
		source = structuredClone(candidate);
		for (const listener of listeners) {
			try {
				listener(settings, changeSource);
			} catch (error) {
				logger.error({ err: error, source: changeSource }, 'a part of the collector failed to take the new configuration');
			}
		}
	}

	function logRefused(changeSource: ConfigChangeSource, check: Exclude<ConfigCheck, { status: 'valid' }>): void {
		const why = check.status === 'invalid' ? 'it is invalid' : 'it changes fields that need a restart';
		logger.warn(
			{ source: changeSource, status: check.status, problems: check.problems },
			`configuration change refused (${changeSource}): ${why}; the configuration in force is kept. ${describe(check.problems)}`,
		);
	}

	function logApplied(changeSource: ConfigChangeSource, changed: readonly string[], written: boolean): void {
		// Field names only: values may be secrets.
		logger.info({ source: changeSource, changed, written }, `configuration applied (${changeSource}): ${changed.join(', ')}`);
	}

	async function writeFile(text: string): Promise<void> {
		await file!.write(text);
		fileText = text;
	}

	const live: LiveConfigHolder = {
		current: () => settings,
		source: () => structuredClone(source),
		file: () => file && { path: file.path, writable: file.writable },
		check: (candidate) => checkCandidate(candidate).check,
		onApplied(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		setPublisher(next) {
			publisher = next;
		},

		save(candidate) {
			return exclusive(async (): Promise<ConfigChangeResult> => {
				const { check, config } = checkCandidate(candidate);
				if (check.status !== 'valid') return check;
				const sameSource = isDeepStrictEqual(candidate, source);
				if (check.changed.length === 0 && sameSource) return { status: 'unchanged' };
				let written = false;
				if (file !== undefined) {
					try {
						await writeFile(formatConfigText(candidate));
						written = true;
					} catch (error) {
						if (isConfigFileReadOnlyError(error)) {
							logger.warn({ source: 'console' }, 'configuration save refused: the configuration file is read-only');
							return { status: 'read_only', message: error.message };
						}
						throw error;
					}
				}
				if (check.changed.length === 0) {
					source = structuredClone(candidate); // same settings, written differently (an env: reference)
					return { status: 'unchanged' };
				}
				apply(config!, candidate, 'console');
				logApplied('console', check.changed, written);
				if (publisher !== undefined) {
					await publisher.publish(candidate).catch((error: unknown) => {
						logger.warn({ err: error }, 'the saved configuration could not be sent to the other replicas; they keep theirs until their file changes');
					});
				}
				return { status: 'applied', changed: check.changed, written };
			});
		},

		reload(trigger) {
			return exclusive(async (): Promise<ConfigChangeResult> => {
				if (file === undefined) {
					logger.debug({ source: trigger }, 'configuration reload asked, but the configuration was not read from a file');
					return { status: 'unchanged' };
				}
				let text: string;
				try {
					text = await file.read();
				} catch (error) {
					const check = invalid(file.path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
					logRefused(trigger, check);
					return check;
				}
				file.probeWritable(); // it may have been made read-only (or writable) since
				if (text === fileText) {
					logger.debug({ source: trigger }, 'configuration file unchanged');
					return { status: 'unchanged' };
				}
				let candidate: unknown;
				try {
					candidate = JSON.parse(text) as unknown;
				} catch (error) {
					const check = invalid('(root)', `is not valid JSON (${(error as Error).message})`);
					logRefused(trigger, check);
					return check;
				}
				const { check, config } = checkCandidate(candidate);
				if (check.status !== 'valid') {
					logRefused(trigger, check);
					return check;
				}
				fileText = text;
				if (check.changed.length === 0) {
					source = structuredClone(candidate);
					logger.debug({ source: trigger }, 'configuration file changed, the settings did not');
					return { status: 'unchanged' };
				}
				apply(config!, candidate, trigger);
				logApplied(trigger, check.changed, false);
				return { status: 'applied', changed: check.changed, written: false };
			});
		},

		applyFromReplica(candidate) {
			return exclusive(async (): Promise<ConfigChangeResult> => {
				const { check, config } = checkCandidate(candidate);
				if (check.status !== 'valid') {
					logRefused('replica', check);
					return check;
				}
				if (check.changed.length === 0) {
					logger.debug({ source: 'replica' }, 'a replica saved the configuration in force already');
					return { status: 'unchanged' };
				}
				let written = false;
				if (file?.writable === true) {
					try {
						await writeFile(formatConfigText(candidate));
						written = true;
					} catch (error) {
						// Applied anyway: the replicas agree; this file says otherwise until it is changed or saved again.
						logger.warn({ err: error }, 'a replica saved the configuration; this replica applied it but could not write its file');
					}
				}
				apply(config!, candidate, 'replica');
				logApplied('replica', check.changed, written);
				return { status: 'applied', changed: check.changed, written };
			});
		},
	};
	return live;
}

/** The file's content for `source`: pretty-printed JSON with a final newline, as a person would keep it. */
export function formatConfigText(source: unknown): string {
	return `${JSON.stringify(source, null, 2)}\n`;
}

function invalid(path: string, message: string): Extract<ConfigCheck, { status: 'invalid' }> {
	return { status: 'invalid', problems: [{ path, message }] };
}

function describe(problems: readonly ConfigProblem[]): string {
	return problems.map(({ path, message }) => `${path}: ${message}`).join('; ');
}

function readTextOrUndefined(path: string): string | undefined {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return undefined;
	}
}
