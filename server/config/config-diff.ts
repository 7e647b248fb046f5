import { isDeepStrictEqual } from 'node:util';
import { formatPath } from '../utils/format-path.js';
import type { ConfigProblem } from './live-config.js';
import type { CollectorConfig } from './schema.js';

/**
 * The top-level fields a running collector takes without a restart. Each is read per request through
 * `settings()` (sites, apiKeys, featuredSegments, adminKeys), or rebuilt in place on a change, keeping what its
 * owner caches (blueconic: the profile-sync client and segment reads, whose token cache is kept while the
 * credentials stay the same; profileMapping: the next webhook, queued batch and segment read). Everything else
 * shapes parts built once at start (the store, the session validator and its caches, the server's sockets, the
 * queue's worker) and needs a restart.
 */
export const liveFields: ReadonlySet<string> = new Set(['sites', 'apiKeys', 'adminKeys', 'featuredSegments', 'blueconic', 'profileMapping']);

/** Problems listed for one candidate at most; past it one more says how many were left out. */
const maxListedPaths = 20;

/** The top-level fields whose validated values differ between `from` and `to`, in the schema's order. */
export function changedFields(from: CollectorConfig, to: CollectorConfig): string[] {
	const names = new Set([...Object.keys(from), ...Object.keys(to)]);
	return [...names].filter((name) => !isDeepStrictEqual(valueAt(from, name), valueAt(to, name)));
}

/**
 * A problem per changed path under the fields that need a restart (`session.cookieName`, `store.type`), never
 * their values (they may be secrets).
 */
export function restartProblems(from: CollectorConfig, to: CollectorConfig, changed: readonly string[]): ConfigProblem[] {
	const paths: string[] = [];
	for (const name of changed) {
		if (!liveFields.has(name)) collectChangedPaths(valueAt(from, name), valueAt(to, name), [name], paths);
	}
	const problems = paths.slice(0, maxListedPaths).map((path) => ({
		path,
		message: 'changed: this field cannot change while the collector runs; restart the collector to apply it',
	}));
	if (paths.length > maxListedPaths) {
		problems.push({ path: '(root)', message: `and ${paths.length - maxListedPaths} more changed fields that need a restart` });
	}
	return problems;
}

/** The deepest paths where `from` and `to` differ, descending into objects both sides hold. */
function collectChangedPaths(from: unknown, to: unknown, path: PropertyKey[], out: string[]): void {
	if (isDeepStrictEqual(from, to)) return;
	// A discriminated section whose type changed (store memory → redis) is one change, not one per field.
	const sameKind = isPlainObject(from) && isPlainObject(to) && (from as { type?: unknown }).type === (to as { type?: unknown }).type;
	if (!sameKind) {
		out.push(formatPath(path));
		return;
	}
	const keys = new Set([...Object.keys(from as object), ...Object.keys(to as object)]);
	for (const key of keys) collectChangedPaths(valueAt(from, key), valueAt(to, key), [...path, key], out);
}

function isPlainObject(value: unknown): boolean {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function valueAt(value: unknown, key: string): unknown {
	return (value as Record<string, unknown>)[key];
}
