import { backendSessionIdentity } from '../blueconic-segments/backend-identity.js';
import { type BlueConicSegments, decideWithSource } from '../blueconic-segments/index.js';
import { trustSettingsOf } from '../blueconic-segments/trust-settings.js';
import type { CollectorConfig } from '../config/schema.js';
import type { Decision } from '../decisions/decide.js';
import type { SessionValidator } from '../sessions/session-validator.js';
import type { SegmentStore, StoreRead } from '../store/segment-store.js';
import { sessionKeyOf } from '../store/session-key.js';

export interface DecisionTest {
	report: 'hit' | 'miss' | 'unavailable';
	segments: readonly string[] | null;
	updatedAt: string | null;
	featured: { segment: string; name: string; result: Decision }[];
}

export interface DecisionTesterParts {
	readonly config: CollectorConfig;
	readonly store: SegmentStore;
	readonly sessions: SessionValidator;
	readonly blueconicSegments: BlueConicSegments | undefined;
}

/**
 * The decision tester: what the store holds for a session, and each featured segment decided exactly as the
 * backend `decide` route decides it (same trust setting, same BlueConic reads). The session id is never echoed.
 */
export async function testDecisions(sessionId: string, { config, store, sessions, blueconicSegments }: DecisionTesterParts): Promise<DecisionTest> {
	const sessionKey = sessionKeyOf(sessionId);
	const held = await store.read(sessionKey);
	const featured = Object.entries(config.featuredSegments);
	const decisions = await decideWithSource({
		...trustSettingsOf(config, blueconicSegments),
		segmentIds: featured.map(([segment]) => segment),
		identity: blueconicSegments && (await backendSessionIdentity(sessions, sessionId)),
		read: () => store.read(sessionKey),
		waitForReport: (ms) => store.waitForReport(sessionKey, ms),
		waitMs: undefined,
	});
	return {
		report: held.status === 'hit' ? 'hit' : held.status === 'unavailable' ? 'unavailable' : 'miss',
		segments: held.status === 'hit' ? held.segmentIds : null,
		updatedAt: held.status === 'hit' ? updatedAtText(held) : null,
		featured: featured.map(([segment, name], index) => ({ segment, name, result: decisions[index]?.result ?? 'unknown' })),
	};
}

/**
 * When the report arrived, as ISO text: stores give it as `updatedAt` (a Date) or as `updatedAtMs` (a number, the
 * in-process store's typed-array form); read either, so the tester follows the store's contract as it changes.
 */
function updatedAtText(read: Extract<StoreRead, { status: 'hit' }>): string {
	const { updatedAt, updatedAtMs } = read as { updatedAt?: unknown; updatedAtMs?: unknown };
	const ms = typeof updatedAtMs === 'number' ? updatedAtMs : updatedAt instanceof Date ? updatedAt.getTime() : Number(updatedAt);
	return new Date(ms).toISOString();
}
