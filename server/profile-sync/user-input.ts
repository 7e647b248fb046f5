import { z } from 'zod';
import { classifyEventType } from './event-types.js';
import type { SyncUser } from './sync-user.js';
import { formatPath } from '../utils/format-path.js';

/** One input record, read: a user to sync, an event we acknowledge and ignore, or something we cannot read. */
export type UserRecord =
	| { readonly status: 'user'; readonly user: SyncUser }
	| { readonly status: 'ignored'; readonly eventType: string; readonly userId: string | undefined }
	| { readonly status: 'malformed'; readonly message: string };

const identifierText = z.union([z.string(), z.number().transform(String)]);
const optionalIdentifier = identifierText.nullish().transform((value) => value ?? undefined);
const attributes = z.record(z.string(), z.unknown(), { error: 'must be an object of attribute values' }).default({});

/** Zephr's user webhook: `{"type","time","details":{"user_id","identifiers":{"email_address"},"attributes","tracking_id"}}`. */
const zephrUserEvent = z.object({
	type: z.string(),
	time: z.number().optional(),
	details: z.object(
		{
			user_id: optionalIdentifier,
			identifiers: z.object({ email_address: z.string().nullish() }).prefault({}),
			attributes,
			tracking_id: optionalIdentifier,
		},
		{ error: 'must be an object' },
	),
});

/** The plain form publisher backends send: `{"email","trackingId","attributes"}` (`userId` optional). */
const plainUser = z.object({
	email: z.string().nullish(),
	trackingId: optionalIdentifier,
	userId: optionalIdentifier,
	attributes,
});

const plainKeys = ['email', 'trackingId', 'userId', 'attributes'];

/** Reads one record of either form; `path` prefixes messages (`[3].details.attributes: ...`) in batches. */
export function readUserRecord(value: unknown, path: readonly (string | number)[] = []): UserRecord {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		return malformed(path, 'must be a user object (a Zephr user webhook or {"email","trackingId","attributes"})');
	}
	const fields = value as Record<string, unknown>;
	if ('type' in fields || 'details' in fields) {
		if (typeof fields.type !== 'string' || fields.type === '') return malformed([...path, 'type'], 'must be the event type, a string');
		if (classifyEventType(fields.type) === 'ignored') {
			const details = fields.details as { user_id?: unknown } | undefined;
			const userId = typeof details?.user_id === 'string' ? details.user_id : undefined;
			return { status: 'ignored', eventType: fields.type, userId };
		}
		const parsed = zephrUserEvent.safeParse(value);
		if (!parsed.success) return malformedFromZod(path, parsed.error);
		const { details } = parsed.data;
		return {
			status: 'user',
			user: {
				email: details.identifiers.email_address ?? undefined,
				trackingId: details.tracking_id,
				userId: details.user_id,
				attributes: details.attributes,
			},
		};
	}
	if (!plainKeys.some((key) => key in fields)) {
		return malformed(path, 'must be a Zephr user webhook (with "type" and "details") or {"email","trackingId","attributes"}');
	}
	const parsed = plainUser.safeParse(value);
	if (!parsed.success) return malformedFromZod(path, parsed.error);
	const user = parsed.data;
	return {
		status: 'user',
		user: { email: user.email ?? undefined, trackingId: user.trackingId, userId: user.userId, attributes: user.attributes },
	};
}

function malformed(path: readonly (string | number)[], message: string): UserRecord {
	return { status: 'malformed', message: path.length > 0 ? `${formatPath(path)}: ${message}` : message };
}

function malformedFromZod(path: readonly (string | number)[], error: z.ZodError): UserRecord {
	const issue = error.issues[0];
	if (issue === undefined) return malformed(path, 'is not a valid user');
	return malformed([...path, ...(issue.path as (string | number)[])], issue.message);
}
