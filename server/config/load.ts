import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { formatPath } from '../utils/format-path.js';
import type { ConfigProblem } from './live-config.js';
import { type CollectorConfig, collectorConfigSchema } from './schema.js';

const envPrefix = 'env:';

/** What checking a configuration found: the validated configuration, or every problem with its path. */
export type ConfigParse<T> = { ok: true; config: T } | { ok: false; problems: ConfigProblem[] };

/** Reads, resolves and validates a configuration file. Throws `ConfigError` listing every problem found. */
export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<CollectorConfig> {
	return parseConfig(await readConfigJson(path), env);
}

/** A configuration file's JSON, not yet validated. Throws `ConfigError` when it cannot be read or parsed. */
export async function readConfigJson(path: string): Promise<unknown> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		throw new ConfigError([`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
	}
	return parseConfigText(path, text);
}

/** `text`, the content of the configuration file at `path`, as JSON. Throws `ConfigError` when it is not JSON. */
export function parseConfigText(path: string, text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch (error) {
		throw new ConfigError([`${path}: is not valid JSON (${(error as Error).message})`]);
	}
}

/**
 * Validates a configuration value (as parsed from JSON). Any string `"env:NAME"` is replaced by that environment
 * variable first, so secrets stay out of the file; a missing variable is reported with the field's path.
 */
export function parseConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
	const checked = checkConfig(input, env);
	if (!checked.ok) throw configErrorOf(checked.problems);
	return checked.config;
}

/** `parseConfig` that returns the problems, each with its path, instead of throwing (live configuration). */
export function checkConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): ConfigParse<CollectorConfig> {
	const problems: ConfigProblem[] = [];
	return checkAgainst(collectorConfigSchema, resolveEnvReferences(input, [], env, problems), problems);
}

/**
 * Validates `resolved` (a configuration with its `env:` references resolved) against `schema`, adding the schema's
 * problems to those found resolving it, each naming its field's path. Throws `ConfigError` if there are any.
 */
export function validateConfig<Schema extends z.ZodType>(
	schema: Schema,
	resolved: unknown,
	problems: ConfigProblem[],
): z.output<Schema> {
	const checked = checkAgainst(schema, resolved, problems);
	if (!checked.ok) throw configErrorOf(checked.problems);
	return checked.config;
}

/** `validateConfig` that returns the problems instead of throwing. */
export function checkAgainst<Schema extends z.ZodType>(
	schema: Schema,
	resolved: unknown,
	resolveProblems: readonly ConfigProblem[],
): ConfigParse<z.output<Schema>> {
	const problems = [...resolveProblems];
	// A field whose variable is missing was reported already; the schema's "expected string" would be noise.
	const unresolvedPaths = new Set(problems.map((problem) => problem.path));
	const result = schema.safeParse(resolved);
	if (!result.success) {
		for (const issue of result.error.issues) {
			const path = formatPath(issue.path);
			if (unresolvedPaths.has(path)) continue;
			if (issue.code === 'unrecognized_keys') {
				for (const key of issue.keys) problems.push({ path: formatPath([...issue.path, key]), message: 'is not a known field' });
			} else {
				problems.push({ path: path || '(root)', message: issue.message });
			}
		}
	}
	if (problems.length > 0 || !result.success) return { ok: false, problems };
	return { ok: true, config: result.data };
}

/** The `ConfigError` listing `problems` as `path: message` lines. */
export function configErrorOf(problems: readonly ConfigProblem[]): ConfigError {
	return new ConfigError(problems.map(({ path, message }) => `${path}: ${message}`));
}

/** `value` with every string `"env:NAME"` replaced by that variable; a missing one is added to `problems`. */
export function resolveEnvReferences(
	value: unknown,
	path: PropertyKey[],
	env: NodeJS.ProcessEnv,
	problems: ConfigProblem[],
): unknown {
	if (typeof value === 'string' && value.startsWith(envPrefix)) {
		const name = value.slice(envPrefix.length);
		const resolved = env[name];
		if (resolved === undefined || resolved === '') {
			problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
			return undefined;
		}
		return resolved;
	}
	if (Array.isArray(value)) return value.map((item, index) => resolveEnvReferences(item, [...path, index], env, problems));
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value).map(([key, item]) => [key, resolveEnvReferences(item, [...path, key], env, problems)]),
		);
	}
	return value;
}
