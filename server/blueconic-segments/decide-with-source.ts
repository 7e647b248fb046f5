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
	/** The browser's report as held now (a plain value from the in-process store). */
	readonly read: () => StoreRead | Promise<StoreRead>;
	/** The browser's report, waiting up to `waitMs` for a first one (the browser lookup's `wait`). */
	readonly waitForReport: (waitMs: number) => Promise<StoreRead>;
	/**
	 * The browser lookup's `wait`; `undefined` when the request gave none (every backend `decide`). An explicit 0
	 * answers from what is at hand now: a cached BlueConic answer or the browser's report, never a wait for either.
	 */
	readonly waitMs: number | undefined;
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
 * Under `verified` the browser's report is read only to count ignored claims, after the answer: a slow store never
 * holds the decision.
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
	const budgetMs = inputs.waitMs ?? inputs.lookupWaitMs;
	if (inputs.source === 'verified') {
		const decisions = fromBlueConic(inputs.segmentIds, await blueconic.lookup(email, budgetMs));
		countIgnoredClaims(inputs, decisions);
		return decisions;
	}
	// browser+blueconic: a report held now wins; otherwise whichever of a first report and BlueConic answers first.
	const held = await inputs.read();
	if (held.status === 'hit') return fromBrowser(inputs, held);
	const fromReport = (hasWait(inputs) ? inputs.waitForReport(inputs.waitMs) : Promise.resolve(held)).then((read) => ({ kind: 'report' as const, read }));
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

function hasWait(inputs: DecisionInputs): inputs is DecisionInputs & { waitMs: number } {
	return inputs.waitMs !== undefined && inputs.waitMs > 0;
}

function browserRead(inputs: DecisionInputs): StoreRead | Promise<StoreRead> {
	return hasWait(inputs) ? inputs.waitForReport(inputs.waitMs) : inputs.read();
}

/** Reads the browser's report in the background and counts the claims among `decisions` BlueConic did not confirm. */
function countIgnoredClaims(inputs: DecisionInputs, decisions: readonly SourcedDecision[]): void {
	const onIgnoredClaims = inputs.onIgnoredClaims;
	const unconfirmed = decisions.filter(({ result }) => result !== 'yes').map(({ segment }) => segment);
	if (onIgnoredClaims === undefined || unconfirmed.length === 0) return;
	Promise.resolve(inputs.read()).then(
		(read) => {
			const ignored = read.status === 'hit' ? unconfirmed.filter((segment) => read.segmentIds.includes(segment)).length : 0;
			if (ignored > 0) onIgnoredClaims(ignored);
		},
		// A store read never rejects (SegmentStore.read); this only keeps a broken one from an unhandled rejection.
		() => {},
	);
}

function allUnknown(segmentIds: readonly string[]): SourcedDecision[] {
	return segmentIds.map((segment) => ({ segment, result: 'unknown', source: 'browser' }));
}

function fromBrowser(inputs: DecisionInputs, read: StoreRead): SourcedDecision[] {
	return inputs.segmentIds.map((segment) => browserDecision(segment, read));
}

function browserDecision(segment: string, read: StoreRead): SourcedDecision {
	return { segment, result: browserResult(segment, read), source: 'browser' };
}

/** One segment decided by the browser's report (the browser lookup's synchronous path calls it directly). */
export function browserResult(segment: string, read: StoreRead): Decision {
	return read.status !== 'hit' ? 'unknown' : read.segmentIds.includes(segment) ? 'yes' : 'no';
}

/** No profile: BlueConic confirms no segment (`no`); unreachable in time: `unknown`. */
function fromBlueConic(segmentIds: readonly string[], answer: BlueConicAnswer): SourcedDecision[] {
	return segmentIds.map((segment) => ({
		segment,
		result: answer.status === 'unavailable' ? 'unknown' : answer.status === 'segments' && answer.segmentIds.has(segment) ? 'yes' : 'no',
		source: 'blueconic',
	}));
}
