/** `unknown`: the session has not reported segments yet (or its report expired); `no`: reported, not a member. */
export type Decision = 'yes' | 'no' | 'unknown';

/** A yes/no node of a rule: `featured` names one of the collector's `featuredSegments`, `manual` any segment id. */
export interface DecisionNode {
	type: 'featured' | 'manual';
	segment: string;
}

/** Where an answer came from: the browser's segment report, or BlueConic's REST API (see docs/trust.md). */
export type DecisionSource = 'browser' | 'blueconic';

export interface DecisionResult {
	segment: string;
	result: Decision;
	/** Absent only from collectors older than the `segments.source` setting. */
	source?: DecisionSource;
}

/** What the collector holds for a session: its last reported segment ids and when they were reported. */
export interface SessionSegments {
	segments: string[];
	updatedAt: Date;
}

export interface CallOptions {
	/** Aborts the call (e.g. when the request it serves is cancelled); the client's timeout applies as well. */
	signal?: AbortSignal;
}
