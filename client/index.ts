import { readDecideAnswer, readFeaturedSegmentsAnswer, readSessionSegmentsAnswer } from './answers.js';
import { isDecisionClientError } from './decision-client-error.js';
import { type DecisionClientOptions, resolveClientOptions } from './options.js';
import { callCollector } from './request.js';
import type { CallOptions, Decision, DecisionNode, DecisionResult, SessionSegments } from './types.js';

export { DecisionClientError, isDecisionClientError } from './decision-client-error.js';
export type { DecisionClientOptions } from './options.js';
export type { CallOptions, Decision, DecisionNode, DecisionResult, DecisionSource, SessionSegments } from './types.js';

/** Typed calls to the collector's backend API (see docs/client.md). Every failure is a `DecisionClientError`. */
export interface DecisionClient {
	/**
	 * Decides each node for a session, in order: `yes`, `no`, or `unknown` (no report held for the session), each with
	 * its `source` (`browser` or `blueconic`, see docs/trust.md).
	 */
	decide(sessionId: string, nodes: readonly DecisionNode[], options?: CallOptions): Promise<{ results: DecisionResult[] }>;
	/** Whether a session is in one segment (a `manual` node: any segment id, featured or not). */
	isInSegment(sessionId: string, segmentId: string, options?: CallOptions): Promise<Decision>;
	/** The session's last reported segments, or `undefined` when the collector holds none (never reported, or expired). */
	sessionSegments(sessionId: string, options?: CallOptions): Promise<SessionSegments | undefined>;
	/** The collector's configured featured segments: id → name. */
	featuredSegments(options?: CallOptions): Promise<Record<string, string>>;
}

/** Creates a client for one collector. Throws a `TypeError` naming a bad option. */
export function createDecisionClient(options: DecisionClientOptions): DecisionClient {
	// Held in this closure only, so logging or serialising the client cannot reveal the API key.
	const settings = resolveClientOptions(options);

	const decide: DecisionClient['decide'] = async (sessionId, nodes, callOptions) => {
		const json = await callCollector(settings, {
			method: 'POST',
			path: '/plugins/blueconic/decide',
			route: '/plugins/blueconic/decide',
			sessionId,
			body: { session: sessionId, nodes: nodes.map(({ type, segment }) => ({ type, segment })) },
			signal: callOptions?.signal,
		});
		return { results: readDecideAnswer(json, nodes.length) };
	};

	return {
		decide,
		async isInSegment(sessionId, segmentId, callOptions) {
			const { results } = await decide(sessionId, [{ type: 'manual', segment: segmentId }], callOptions);
			return (results[0] as DecisionResult).result;
		},
		async sessionSegments(sessionId, callOptions) {
			try {
				const json = await callCollector(settings, {
					method: 'GET',
					path: `/plugins/blueconic/sessions/${encodeURIComponent(sessionId)}/segments`,
					route: '/plugins/blueconic/sessions/:sessionId/segments',
					sessionId,
					signal: callOptions?.signal,
				});
				return readSessionSegmentsAnswer(json);
			} catch (error) {
				// Only the collector's own "nothing held" is an answer; another 404 (a wrong baseUrl) stays an error.
				if (isDecisionClientError(error) && error.status === 404 && error.code === 'session_not_found') return undefined;
				throw error;
			}
		},
		async featuredSegments(callOptions) {
			const json = await callCollector(settings, {
				method: 'GET',
				path: '/plugins/blueconic/featured-segments',
				route: '/plugins/blueconic/featured-segments',
				signal: callOptions?.signal,
			});
			return readFeaturedSegmentsAnswer(json);
		},
	};
}
