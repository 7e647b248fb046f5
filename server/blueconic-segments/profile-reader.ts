import type { AccessTokenSource } from '../blueconic/token-provider.js';
import { attemptRequest, parseJsonOrUndefined } from '../blueconic/http-attempt.js';
import { parseRetryAfter } from '../utils/backoff.js';

/**
 * The two reads segments need from BlueConic's REST API: the profile holding an email, then that profile's
 * segments. One attempt each: the caches in front of them retry later, and a decision cannot wait for backoff.
 */

/** What one read produced. `busy`: BlueConic asked us to slow down (429, 503), for `retryAfterMs` if it said. */
export type ReadOutcome<T> =
	| { readonly status: 'ok'; readonly value: T }
	| { readonly status: 'not_found' }
	| { readonly status: 'busy'; readonly retryAfterMs: number | undefined }
	| { readonly status: 'failed'; readonly reason: string };

export interface ProfileReader {
	/** `GET /rest/v2/profiles?property=<emailPropertyId>&value=<email>`: the first matching profile's id. */
	findProfileId(email: string): Promise<ReadOutcome<string>>;
	/** `GET /rest/v2/profiles/{id}?expand=profile.segments`: the ids of the segments the profile is in now. */
	readSegmentIds(profileId: string): Promise<ReadOutcome<string[]>>;
}

export interface ProfileReaderOptions {
	readonly baseUrl: string;
	readonly emailPropertyId: string;
	readonly timeoutMs: number;
	readonly tokens: AccessTokenSource;
	readonly fetch: typeof fetch;
	readonly now: () => number;
	/** Segment ids past these bounds are dropped, like a browser report's: they could not be decided on anyway. */
	readonly maxSegments: number;
	readonly maxIdLength: number;
}

export function createProfileReader(options: ProfileReaderOptions): ProfileReader {
	async function get(url: string): Promise<ReadOutcome<unknown>> {
		let token: string;
		try {
			token = await options.tokens.getToken();
		} catch (error) {
			return { status: 'failed', reason: `no access token (${(error as Error).name})` };
		}
		let outcome = await getOnce(url, token);
		if (outcome.status === 'answered' && outcome.httpStatus === 401) {
			// Tokens can be revoked or expire early: one more try with a fresh one.
			options.tokens.invalidate(token);
			try {
				outcome = await getOnce(url, await options.tokens.getToken());
			} catch (error) {
				return { status: 'failed', reason: `no access token (${(error as Error).name})` };
			}
		}
		if (outcome.status === 'timeout') return { status: 'failed', reason: `timed out after ${options.timeoutMs} ms` };
		if (outcome.status === 'network') return { status: 'failed', reason: outcome.message };
		const { httpStatus } = outcome;
		if (httpStatus === 429 || httpStatus === 503) {
			return { status: 'busy', retryAfterMs: parseRetryAfter(outcome.headers.get('retry-after'), options.now()) };
		}
		if (httpStatus === 404) return { status: 'not_found' };
		if (httpStatus < 200 || httpStatus >= 300) {
			const why = httpStatus === 501 ? ` (is the property "${options.emailPropertyId}" indexed?)` : '';
			return { status: 'failed', reason: `answered ${httpStatus}${why}` };
		}
		const body = parseJsonOrUndefined(outcome.bodyText);
		return body === undefined ? { status: 'failed', reason: 'answered with a body that is not JSON' } : { status: 'ok', value: body };
	}

	function getOnce(url: string, token: string) {
		return attemptRequest(
			url,
			{ method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
			{ timeoutMs: options.timeoutMs, fetch: options.fetch },
		);
	}

	return {
		async findProfileId(email) {
			const query = new URLSearchParams({ property: options.emailPropertyId, value: email });
			const outcome = await get(`${options.baseUrl}/rest/v2/profiles?${query}`);
			if (outcome.status !== 'ok') return outcome;
			const profiles = (outcome.value as { profiles?: unknown }).profiles;
			if (!Array.isArray(profiles)) return { status: 'failed', reason: 'answered a profile search without "profiles"' };
			const id = (profiles[0] as { id?: unknown } | undefined)?.id;
			if (profiles.length === 0) return { status: 'not_found' };
			return typeof id === 'string' && id !== '' && id.length <= 256
				? { status: 'ok', value: id }
				: { status: 'failed', reason: 'answered a profile without an id' };
		},
		async readSegmentIds(profileId) {
			// `properties` keeps the answer small: only the segments are wanted, not every property of the profile.
			const query = new URLSearchParams({ expand: 'profile.segments', properties: options.emailPropertyId });
			const outcome = await get(`${options.baseUrl}/rest/v2/profiles/${encodeURIComponent(profileId)}?${query}`);
			if (outcome.status !== 'ok') return outcome;
			const segments = (outcome.value as { segments?: unknown }).segments;
			if (segments === undefined) return { status: 'ok', value: [] }; // a profile in no segment may leave the field out
			if (!Array.isArray(segments)) return { status: 'failed', reason: 'answered "segments" that is not a list' };
			const segmentIds = new Set<string>();
			for (const segment of segments as { id?: unknown }[]) {
				const id = segment?.id;
				if (typeof id === 'string' && id !== '' && id.length <= options.maxIdLength) segmentIds.add(id);
				if (segmentIds.size >= options.maxSegments) break;
			}
			return { status: 'ok', value: [...segmentIds] };
		},
	};
}
