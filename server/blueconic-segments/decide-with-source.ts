import type { BlueConicSegmentsConfig, SegmentsSource } from '../config/schema.js';
import type { Decision } from '../decisions/decide.js';
import type { SessionIdentity } from '../sessions/session-validator.js';
import type { StoreRead } from '../store/segment-store.js';
import { type UnvouchedSession, unvouchedSession } from './backend-identity.js';
import type { BlueConicAnswer } from './segment-cache.js';

/** Where a decision's answer came from. */
export type DecisionSource = 'browser' | 'blueconic';

export interface SourcedDecision {
	readonly segment: string;
	readonly result: Decision;
	readonly source: DecisionSource;
}

/** What a decision is composed from; the route supplies how it reads the browser's report. */
export interface DecisionInputs {
	readonly source: SegmentsSource;
	/** Under `verified`, what a session without an email gets. */
	readonly anonymous: 'browser' | 'unknown';
	readonly segmentIds: readonly string[];
	/** Who the session belongs to; `undefined`: anonymous; `unvouched`: its check failed or refused it (backend `decide`). */
	readonly identity: SessionIdentity | UnvouchedSession | undefined;
	/** The browser's report as held now. */
	readonly read: () => Promise<StoreRead>;
	/** The browser's report, waiting up to `waitMs` for a first one (the browser lookup's `wait`); 0: no wait. */
	readonly waitForReport: (waitMs: number) => Promise<StoreRead>;
	readonly waitMs: number;
	/** Absent when `source` is `browser`. */
	readonly blueconic: BlueConicLookup | undefined;
	readonly lookupWaitMs: BlueConicSegmentsConfig['lookupWaitMs'];
	/** Called with the segments a browser claimed and BlueConic did not confirm (`verified`). */
	readonly onIgnoredClaims?: (count: number) => void;
}

export interface BlueConicLookup {
	lookup(email: string, budgetMs: number): Promise<BlueConicAnswer>;
}

/**
 * Decides each segment under the deployment's trust setting (docs/trust.md):
 * - `browser`: the browser's report, as always;
 * - `browser+blueconic`: the browser's report when there is one; until then BlueConic's answer for the session's email;
 * - `verified`: for a session with an email, only BlueConic's answer (a browser claim it does not confirm is ignored
 *   and counted); without one, the browser's report or `unknown`; a session the validator did not vouch for: `unknown`.
 * BlueConic gets the request's `wait`, or `lookupWaitMs` without one: an outage never holds a decision longer.
 */
export async function decideWithSource(inputs: DecisionInputs): Promise<SourcedDecision[]> {
	const blueconic = inputs.blueconic;
	if (inputs.source === 'browser' || blueconic === undefined) return fromBrowser(inputs, await browserRead(inputs));
	const unvouched = inputs.identity === unvouchedSession;
	// Under `verified` a session nobody vouched for is not anonymous: it may well be signed in.
	if (unvouched && inputs.source === 'verified') return allUnknown(inputs.segmentIds);
	const email = unvouched ? undefined : inputs.identity?.email;
	if (email === undefined || email === '') {
		if (inputs.source === 'verified' && inputs.anonymous === 'unknown') return allUnknown(inputs.segmentIds);
		return fromBrowser(inputs, await browserRead(inputs));
	}
	const budgetMs = inputs.waitMs > 0 ? inputs.waitMs : inputs.lookupWaitMs;
	if (inputs.source === 'verified') {
		const [answer, read] = await Promise.all([blueconic.lookup(email, budgetMs), inputs.read()]);
		const decisions = fromBlueConic(inputs.segmentIds, answer);
		const ignored = decisions.filter(({ segment, result }) => result !== 'yes' && read.status === 'hit' && read.segmentIds.includes(segment));
		if (ignored.length > 0) inputs.onIgnoredClaims?.(ignored.length);
		return decisions;
	}
	// browser+blueconic: a report held now wins; otherwise whichever of a first report and BlueConic answers first.
	const held = await inputs.read();
	if (held.status === 'hit') return fromBrowser(inputs, held);
	const fromReport = (inputs.waitMs > 0 ? inputs.waitForReport(inputs.waitMs) : Promise.resolve(held)).then((read) => ({ kind: 'report' as const, read }));
	const fromLookup = blueconic.lookup(email, budgetMs).then((answer) => ({ kind: 'blueconic' as const, answer }));
	const first = await Promise.race([fromReport, fromLookup]);
	if (first.kind === 'report' && first.read.status === 'hit') return fromBrowser(inputs, first.read);
	if (first.kind === 'blueconic' && first.answer.status !== 'unavailable') return fromBlueConic(inputs.segmentIds, first.answer);
	if (first.kind === 'report') {
		const { answer } = await fromLookup;
		return answer.status === 'unavailable' ? fromBrowser(inputs, first.read) : fromBlueConic(inputs.segmentIds, answer);
	}
	// BlueConic cannot tell: the browser's report (or the end of its wait) decides, as under `browser`.
	return fromBrowser(inputs, (await fromReport).read);
}

function browserRead(inputs: DecisionInputs): Promise<StoreRead> {
	return inputs.waitMs > 0 ? inputs.waitForReport(inputs.waitMs) : inputs.read();
}

function allUnknown(segmentIds: readonly string[]): SourcedDecision[] {
	return segmentIds.map((segment) => ({ segment, result: 'unknown', source: 'browser' }));
}

function fromBrowser(inputs: DecisionInputs, read: StoreRead): SourcedDecision[] {
	return inputs.segmentIds.map((segment) => ({
		segment,
		result: read.status !== 'hit' ? 'unknown' : read.segmentIds.includes(segment) ? 'yes' : 'no',
		source: 'browser',
	}));
}

/** No profile: BlueConic confirms no segment (`no`); unreachable in time: `unknown`. */
function fromBlueConic(segmentIds: readonly string[], answer: BlueConicAnswer): SourcedDecision[] {
	return segmentIds.map((segment) => ({
		segment,
		result: answer.status === 'unavailable' ? 'unknown' : answer.status === 'segments' && answer.segmentIds.has(segment) ? 'yes' : 'no',
		source: 'blueconic',
	}));
}
