import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { CollectorConfig } from '../config/schema.js';
import { decide } from '../decisions/decide.js';
import { HttpError } from '../errors/http-error.js';
import { allowOrigin, answerPreflight } from '../http/cors.js';
import { readJsonBody } from '../http/json-body.js';
import { paths } from '../http/paths.js';
import { requireSession } from '../http/session.js';
import { sessionKeyOf } from '../store/session-key.js';
import { formatPath } from '../utils/format-path.js';
import type { CollectorParts } from './parts.js';

const maxWaitMs = 3_000;

/** Segment decisions: the browser asks for its own session, backends ask for any session with an API key. */
export function decisionRoutes(router: Router, parts: CollectorParts): void {
	const { config, sites, sessions, store, apiKeys } = parts;
	const featured = config.featuredSegments;
	const decideBody = decideBodySchema(config.segments.maxIdLength);

	router.options(paths.decision, (ctx) => answerPreflight(ctx, sites.requireActive(ctx), 'GET'));

	router.get(paths.decision, async (ctx) => {
		const site = sites.requireActive(ctx);
		allowOrigin(ctx, site);
		const segmentId = readDecisionQuery(ctx, featured);
		const waitMs = readWait(ctx);
		const session = await requireSession(ctx, config.session.cookieName, sessions);
		const read = waitMs > 0 ? await store.waitForReport(session.sessionKey, waitMs) : await store.read(session.sessionKey);
		ctx.set('Cache-Control', 'no-store');
		ctx.body = { segment: segmentId, result: decide(read, segmentId) };
	});

	router.post(paths.decide, async (ctx) => {
		apiKeys.require(ctx);
		const request = parseBody(decideBody, await readJsonBody(ctx, { maxBytes: 64 * 1024, mediaTypes: ['application/json'] }));
		for (const [index, node] of request.nodes.entries()) {
			if (node.type === 'featured') requireFeatured(featured, node.segment, `nodes[${index}].segment`);
		}
		const read = await store.read(sessionKeyOf(request.session));
		ctx.body = { results: request.nodes.map(({ segment }) => ({ segment, result: decide(read, segment) })) };
	});

	router.get(paths.sessionSegments, async (ctx) => {
		apiKeys.require(ctx);
		const read = await store.read(sessionKeyOf(ctx.params.sessionId ?? ''));
		if (read.status !== 'hit') {
			const why = read.status === 'expired' ? 'its last report has expired' : 'it has not reported segments';
			throw new HttpError(404, 'session_not_found', `no segments are held for this session: ${why}`);
		}
		ctx.body = { segments: read.segmentIds, updatedAt: read.updatedAt.toISOString() };
	});

	router.get(paths.featuredSegments, (ctx) => {
		apiKeys.require(ctx);
		ctx.body = featured;
	});
}

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
	const where = formatPath(issue?.path ?? []);
	throw new HttpError(400, 'invalid_request', `${where || 'body'}: ${issue?.message ?? 'is invalid'}`);
}

function readDecisionQuery(ctx: Context, featured: CollectorConfig['featuredSegments']): string {
	const segment = singleQueryValue(ctx, 'segment');
	const featuredId = singleQueryValue(ctx, 'featured');
	if ((segment === undefined) === (featuredId === undefined)) {
		throw new HttpError(400, 'segment_required', 'give exactly one of the query parameters "segment" or "featured"');
	}
	if (featuredId !== undefined) return requireFeatured(featured, featuredId, 'featured');
	return segment as string;
}

function requireFeatured(featured: CollectorConfig['featuredSegments'], segmentId: string, where: string): string {
	if (!Object.hasOwn(featured, segmentId)) {
		throw new HttpError(400, 'unknown_featured_segment', `${where}: "${segmentId.slice(0, 200)}" is not a featured segment`);
	}
	return segmentId;
}

function readWait(ctx: Context): number {
	const text = singleQueryValue(ctx, 'wait');
	if (text === undefined) return 0;
	const waitMs = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
	if (!(waitMs <= maxWaitMs)) {
		throw new HttpError(400, 'invalid_wait', `wait must be a whole number of milliseconds from 0 to ${maxWaitMs}`);
	}
	return waitMs;
}

function singleQueryValue(ctx: Context, name: string): string | undefined {
	const value = ctx.query[name];
	if (Array.isArray(value)) throw new HttpError(400, 'repeated_parameter', `the query parameter "${name}" is given more than once`);
	if (value === '') throw new HttpError(400, 'empty_parameter', `the query parameter "${name}" is empty`);
	return value;
}
