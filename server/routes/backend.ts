import type Router from '@koa/router';
import { z } from 'zod';
import { backendSessionIdentity } from '../blueconic-segments/backend-identity.js';
import { decideWithSource } from '../blueconic-segments/index.js';
import { trustSettingsOf } from '../blueconic-segments/trust-settings.js';
import { HttpError } from '../errors/http-error.js';
import { readJsonBody } from '../http/json-body.js';
import { paths } from '../http/paths.js';
import { storeUnavailable } from '../http/store-unavailable.js';
import { sessionKeyOf } from '../store/session-key.js';
import { formatPath } from '../utils/format-path.js';
import { requireFeatured } from './featured.js';
import type { CollectorParts } from './parts.js';

/** For publishers' backends, behind an API key: decisions for any session, its segments, the featured list. */
export function backendRoutes(router: Router, { settings, store, sessions, blueconicSegments, metrics }: CollectorParts): void {
	// `segments` cannot change while the collector runs (see docs/collector.md, Live configuration).
	const decideBody = decideBodySchema(settings().config.segments.maxIdLength);

	router.post(paths.decide, async (ctx) => {
		const { config, apiKeys } = settings();
		apiKeys.require(ctx);
		const body = await readJsonBody(ctx.req, { maxBytes: 64 * 1024, mediaTypes: ['application/json'] });
		const request = parseBody(decideBody, body);
		for (const [index, node] of request.nodes.entries()) {
			if (node.type === 'featured') requireFeatured(config.featuredSegments, node.segment, `nodes[${index}].segment`);
		}
		const sessionKey = sessionKeyOf(request.session);
		const results = await decideWithSource({
			...trustSettingsOf(config, blueconicSegments),
			segmentIds: request.nodes.map(({ segment }) => segment),
			identity: blueconicSegments && (await backendSessionIdentity(sessions, request.session)),
			read: () => store.read(sessionKey),
			waitForReport: (ms) => store.waitForReport(sessionKey, ms),
			waitMs: undefined,
		});
		for (const { result } of results) metrics.decisions.inc({ result });
		ctx.body = { results };
	});

	router.get(paths.sessionSegments, async (ctx) => {
		settings().apiKeys.require(ctx);
		const read = await store.read(sessionKeyOf(ctx.params.sessionId ?? ''));
		// Not a 404: the session may well have segments, which the backend can ask for again shortly.
		if (read.status === 'unavailable') throw storeUnavailable();
		if (read.status !== 'hit') {
			const why = read.status === 'expired' ? 'its last report has expired' : 'it has not reported segments';
			throw new HttpError(404, 'session_not_found', `no segments are held for this session: ${why}`);
		}
		ctx.body = { segments: read.segmentIds, updatedAt: read.updatedAt.toISOString() };
	});

	router.get(paths.featuredSegments, (ctx) => {
		const { config, apiKeys } = settings();
		apiKeys.require(ctx);
		ctx.body = config.featuredSegments;
	});
}

/** The two decision nodes of the reproduced product: "featured" (from the configured list) and "manual" (any id). */
function decideBodySchema(maxIdLength: number) {
	const segmentId = z.string().min(1, 'must not be empty').max(maxIdLength, `must be at most ${maxIdLength} characters`);
	return z.strictObject({
		session: z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters'),
		nodes: z
			.array(z.strictObject({ type: z.enum(['featured', 'manual'], 'must be "featured" or "manual"'), segment: segmentId }))
			.min(1, 'must hold at least one node')
			.max(100, 'must hold at most 100 nodes'),
	});
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
	const result = schema.safeParse(body);
	if (result.success) return result.data;
	const issue = result.error.issues[0];
	throw new HttpError(400, 'invalid_request', `${formatPath(issue?.path ?? []) || 'body'}: ${issue?.message ?? 'is invalid'}`);
}
