import { DecisionClientError } from './decision-client-error.js';
import type { Decision, DecisionResult, DecisionSource, SessionSegments } from './types.js';

/** Checks of the collector's answers: a proxy or a version mismatch should fail loudly, not as a wrong decision. */

const decisions: ReadonlySet<unknown> = new Set<Decision>(['yes', 'no', 'unknown']);
const sources: ReadonlySet<unknown> = new Set<DecisionSource>(['browser', 'blueconic']);

export function readDecideAnswer(json: unknown, expectedCount: number): DecisionResult[] {
	const results = (json as { results?: unknown } | null)?.results;
	if (
		!Array.isArray(results) ||
		results.length !== expectedCount ||
		!results.every(
			(item: { segment?: unknown; result?: unknown; source?: unknown } | null) =>
				typeof item?.segment === 'string' && decisions.has(item.result) && (item.source === undefined || sources.has(item.source)),
		)
	) {
		throw invalid('POST /plugins/blueconic/decide', `{"results":[{"segment","result"}]} with ${expectedCount} results`);
	}
	return results.map(({ segment, result, source }: DecisionResult) => (source === undefined ? { segment, result } : { segment, result, source }));
}

export function readSessionSegmentsAnswer(json: unknown): SessionSegments {
	const { segments, updatedAt } = (json ?? {}) as { segments?: unknown; updatedAt?: unknown };
	const date = typeof updatedAt === 'string' ? new Date(updatedAt) : undefined;
	if (!Array.isArray(segments) || !segments.every((id) => typeof id === 'string') || !date || Number.isNaN(date.getTime())) {
		throw invalid('GET /plugins/blueconic/sessions/:sessionId/segments', '{"segments":[...],"updatedAt":ISO date}');
	}
	return { segments: [...(segments as string[])], updatedAt: date };
}

export function readFeaturedSegmentsAnswer(json: unknown): Record<string, string> {
	if (typeof json !== 'object' || json === null || Array.isArray(json) || !Object.values(json).every((name) => typeof name === 'string')) {
		throw invalid('GET /plugins/blueconic/featured-segments', 'an object of segment id to name');
	}
	return { ...(json as Record<string, string>) };
}

function invalid(what: string, expected: string): DecisionClientError {
	return new DecisionClientError(200, 'invalid_response', `the answer to ${what} is not ${expected}`);
}
