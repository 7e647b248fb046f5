import type Router from '@koa/router';
import { HttpError } from '../errors/http-error.js';
import { setAnswer } from '../http/answer.js';
import { readJsonBody } from '../http/json-body.js';
import { paths } from '../http/paths.js';
import type { ProfileSync } from '../profile-sync/index.js';
import type { CollectorParts } from './parts.js';

/**
 * The profile-sync webhook: a Zephr user webhook, a plain `{email, trackingId, attributes}`, or an array of
 * them. Answered only once BlueConic answered (or with 503 and `Retry-After` so the sender retries).
 */
export function profileSyncRoutes(router: Router, { settings }: CollectorParts, profileSyncInForce: () => ProfileSync | undefined): void {
	// Room for a full batch of users with their attributes.
	const maxBytes = settings().config.profileSync.maxUsersPerRequest * 2048;

	router.post(paths.profileSync, async (ctx) => {
		const { config, apiKeys } = settings();
		apiKeys.require(ctx);
		// Built once a configuration had a `blueconic` section (at start or added live); it follows later changes.
		const profileSync = config.blueconic && profileSyncInForce();
		if (profileSync === undefined) {
			throw new HttpError(404, 'profile_sync_not_configured', 'profile sync needs a "blueconic" section in the configuration');
		}
		const body = await readJsonBody(ctx.req, { maxBytes, mediaTypes: ['application/json'] });
		setAnswer(ctx, await profileSync.handleWebhook(body));
	});
}
