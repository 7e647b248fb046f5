import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { LineRanges } from '../../server/profile-sync/backfill/line-ranges.js';
import type { BackoffPolicy } from '../../server/utils/backoff.js';
import type { ProfileEntry } from '../../server/blueconic/profile-entry.js';
import type { BlueConicConfig, ProfileMappingConfig } from '../../server/config/schema.js';
import type { FakeBlueConic } from '../fakes/blueconic-rest.js';

/** Retries in milliseconds, not seconds, so failure-path tests stay fast. */
export const fastRetry: BackoffPolicy = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 3_000 };

export function blueconicConfigFor(fake: FakeBlueConic, overrides: Partial<BlueConicConfig> = {}): BlueConicConfig {
	return { baseUrl: fake.url, clientId: 'test-client', clientSecret: 'test-secret', scope: undefined, timeoutMs: 10_000, retry: fastRetry, ...overrides };
}

export const profileMapping: ProfileMappingConfig = {
	emailPropertyId: 'email',
	trackingIdPropertyId: 'zephr_tracking_id',
	attributes: [
		{ zephrAttributeId: 'first-name', blueconic: { profilePropertyId: 'firstname', type: 'TEXT' } },
		{ zephrAttributeId: 'age', blueconic: { profilePropertyId: 'age', type: 'NUMBER' } },
		{ zephrAttributeId: 'newsletter', blueconic: { profilePropertyId: 'newsletter', type: 'TEXT' } },
		{ zephrAttributeId: 'signed-up', blueconic: { profilePropertyId: 'signup_date', type: 'DATETIME' } },
		{ zephrAttributeId: 'score', blueconic: { profilePropertyId: 'score', type: 'DECIMAL' } },
	],
};

/** The value of one counter series on a registry, 0 when it was never incremented. */
export async function counterValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
	const metric = registry.getSingleMetric(name);
	if (!metric) return 0;
	const { values } = await metric.get();
	const match = values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label));
	return match?.value ?? 0;
}

export function newRegistry(): Registry {
	return new Registry();
}

/** PUT /rest/v2/profiles requests the fake received (answered or not). */
export function profileWrites(fake: FakeBlueConic) {
	return fake.requests.filter((request) => request.method === 'PUT' && request.path === '/rest/v2/profiles');
}

export function tokenRequests(fake: FakeBlueConic) {
	return fake.requests.filter((request) => request.path === '/rest/v2/oauth/token');
}

/** The environment variables the sync command's test config takes BlueConic's credentials from. */
export const syncEnv: Readonly<Record<string, string>> = Object.freeze({ BC_ID: 'test-client', BC_SECRET: 'test-secret' });

/**
 * A config file's text for `blueconic-bridge sync` against `fake`: credentials from `syncEnv`, test-fast retries,
 * the test mapping; `extra` adds top-level sections.
 */
export function syncConfigFile(fake: FakeBlueConic, extra: Record<string, unknown> = {}, timeoutMs = 5_000): string {
	return JSON.stringify({
		session: { validate: { type: 'memory' } },
		sites: '*',
		blueconic: { baseUrl: fake.url, clientId: 'env:BC_ID', clientSecret: 'env:BC_SECRET', timeoutMs, retry: fastRetry },
		profileMapping,
		...extra,
	});
}

/** The input lines a backfill state file records as done. */
export async function readDoneLines(statePath: string): Promise<LineRanges> {
	return LineRanges.from((JSON.parse(await readFile(statePath, 'utf8')) as { doneLines: [number, number][] }).doneLines);
}

/** A profile entry as the client sends it: matched and identified by `email`, which it sets with `extra`. */
export function entry(email: string, extra: Record<string, string> = {}): ProfileEntry {
	return {
		matching: [[{ id: 'email', value: email }]],
		properties: [
			{ id: 'email', values: [email], strategy: 'SET' },
			...Object.entries(extra).map(([id, value]) => ({ id, values: [value], strategy: 'SET' as const })),
		],
		strategy: 'UPSERT',
		identifier: email,
	};
}

/** CPU time (user + system, milliseconds) this process spent running `work`: unlike wall time, not slowed by a busy machine. */
export function cpuMillisecondsOf(work: () => void): number {
	const before = process.cpuUsage();
	work();
	const { user, system } = process.cpuUsage(before);
	return (user + system) / 1000;
}

/**
 * Email-shaped strings of 1 MiB that make the pattern `^[^\s@]+@[^\s@]+\.[^\s@]+$` backtrack quadratically: a domain
 * full of dots that then fails at its end. At 50,000 characters that pattern spent 0.9 to 2.8 s of CPU on each;
 * at 1 MiB it would take minutes.
 */
export const hostileEmails: readonly string[] = [
	`a@${'a.'.repeat(2 ** 19)}@`,
	`a@${'.'.repeat(2 ** 20)} `,
	`a@a${'.a'.repeat(2 ** 19)} `,
];
