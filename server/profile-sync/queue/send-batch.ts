import { randomUUID } from 'node:crypto';
import { isBlueConicAnswerError } from '../../blueconic/errors/blueconic-answer-error.js';
import { isBlueConicAuthError } from '../../blueconic/errors/blueconic-auth-error.js';
import { isBlueConicRequestError } from '../../blueconic/errors/blueconic-request-error.js';
import { isBlueConicUnavailableError } from '../../blueconic/errors/blueconic-unavailable-error.js';
import { acceptedProfileStates, type ProfileState } from '../../blueconic/profile-entry.js';
import type { BlueConicClient } from '../../blueconic/profiles-client.js';
import type { ProfileMappingConfig } from '../../config/schema.js';
import { toProfileEntry } from '../mapping.js';
import type { ProfileSyncMetrics } from '../metrics.js';
import type { PendingClaim, PendingProfiles } from './pending-profiles.js';

/** How one email of a batch fared; the worker turns it into the fate of the email's jobs. */
export type EmailOutcome =
	| { readonly kind: 'delivered'; readonly state: ProfileState; readonly profileId: string | undefined }
	/** BlueConic's final word that it did not store the profile: retrying the same data cannot help. */
	| { readonly kind: 'rejected'; readonly reason: string; readonly message: string }
	/** Nothing pending for the email: delivered by another job's send, or cancelled. */
	| { readonly kind: 'covered' }
	/** Another batch is sending this email right now. */
	| { readonly kind: 'busy'; readonly retryInMs: number }
	/** A transient failure of this attempt (5xx, network, timeout, an unreadable answer, refused credentials). */
	| { readonly kind: 'retry'; readonly message: string }
	/** BlueConic asked us to slow down (429) or to come back later (`Retry-After`, in ms; 0 when it gave none). */
	| { readonly kind: 'pause'; readonly retryAfterMs: number; readonly message: string };

export interface BatchSenderOptions {
	/** Called with its own retries off: the queue owns retries (see worker.ts). */
	readonly client: BlueConicClient;
	readonly pending: PendingProfiles;
	readonly profileMapping: ProfileMappingConfig;
	readonly objectiveIds: readonly string[];
	/** How long a claim on an email holds off other batches: longer than one PUT (and its token request) can take. */
	readonly leaseMs: number;
	readonly metrics: ProfileSyncMetrics;
}

/**
 * Sends what is pending for these emails (at most 1000, distinct) in one `PUT /rest/v2/profiles`: claims the emails'
 * pending profiles, sends them, records what BlueConic stored and releases the claims. A 400 for several entries is
 * split in halves until the entries BlueConic refuses stand alone, so one bad profile does not hold back the others.
 */
export async function sendProfileBatch(
	digests: readonly string[],
	options: BatchSenderOptions,
	signal?: AbortSignal,
): Promise<Map<string, EmailOutcome>> {
	const token = randomUUID();
	const outcomes = new Map<string, EmailOutcome>();
	/** Emails claimed at least once, with the sequence number BlueConic stored if it did. */
	const claimedSeqs = new Map<string, number | undefined>();

	async function send(batchDigests: readonly string[]): Promise<void> {
		const claims = await options.pending.claim(batchDigests, token, options.leaseMs);
		const claimed: Extract<PendingClaim, { status: 'claimed' }>[] = [];
		for (const claim of claims) {
			if (claim.status === 'claimed') {
				claimed.push(claim);
				claimedSeqs.set(claim.digest, undefined);
			} else {
				outcomes.set(claim.digest, claim.status === 'busy' ? { kind: 'busy', retryInMs: claim.retryInMs } : { kind: 'covered' });
			}
		}
		if (claimed.length === 0) return;
		const entries = claimed.map((claim) => toProfileEntry(claim.email, claim.properties, options.profileMapping));
		try {
			const answers = await options.client.putProfiles(entries, { objectiveIds: options.objectiveIds, signal });
			for (const [index, claim] of claimed.entries()) {
				const answer = answers[index];
				if (answer === undefined) throw new Error(`no BlueConic answer for entry ${index}`); // putProfiles answers every entry
				options.metrics.profiles.inc({ state: answer.state });
				if (acceptedProfileStates.has(answer.state)) {
					claimedSeqs.set(claim.digest, claim.seq);
					outcomes.set(claim.digest, { kind: 'delivered', state: answer.state, profileId: answer.profileId });
				} else {
					const details = answer.validationErrors.map((error) => (error.field ? `${error.field}: ${error.message}` : error.message));
					const message = `BlueConic answered ${answer.state}: the profile was not stored${details.length > 0 ? ` (${details.join('; ')})` : ''}`;
					outcomes.set(claim.digest, { kind: 'rejected', reason: answer.state, message });
				}
			}
		} catch (error) {
			if (isBlueConicRequestError(error) && claimed.length > 1) {
				// Claimed again by each half: that extends the lease and reads any update merged in meanwhile.
				const half = Math.ceil(claimed.length / 2);
				await send(claimed.slice(0, half).map((claim) => claim.digest));
				await send(claimed.slice(half).map((claim) => claim.digest));
				return;
			}
			const outcome = outcomeForFailure(error, signal);
			for (const claim of claimed) outcomes.set(claim.digest, outcome);
		}
	}

	let failure: unknown;
	try {
		await send(digests);
	} catch (error) {
		// Redis failed us (claiming), or a bug: whatever was not answered for is tried again later.
		failure = error;
	} finally {
		try {
			await options.pending.settle(
				[...claimedSeqs].map(([digest, deliveredSeq]) => ({ digest, deliveredSeq })),
				token,
			);
		} catch (error) {
			// BlueConic has the profiles but Redis did not hear it: send them again later (UPSERT: same outcome).
			const outcome: EmailOutcome = { kind: 'retry', message: `could not record the delivery in Redis: ${(error as Error).message}` };
			for (const digest of claimedSeqs.keys()) outcomes.set(digest, outcome);
		}
	}
	for (const digest of digests) {
		if (!outcomes.has(digest)) outcomes.set(digest, { kind: 'retry', message: `not sent: ${(failure as Error | undefined)?.message ?? 'no answer'}` });
	}
	return outcomes;
}

function outcomeForFailure(error: unknown, signal: AbortSignal | undefined): EmailOutcome {
	if (signal?.aborted) return { kind: 'busy', retryInMs: 0 }; // shutting down: another worker takes over at once
	if (isBlueConicUnavailableError(error)) {
		// With the client's own retries off, `retryAfterMs` is BlueConic's Retry-After, 0 when it sent none.
		if (error.reason === 'rate_limited' || error.retryAfterMs > 0) {
			return { kind: 'pause', retryAfterMs: error.retryAfterMs, message: error.message };
		}
		return { kind: 'retry', message: error.message };
	}
	if (isBlueConicRequestError(error)) {
		const fields = error.fieldErrors.map((fieldError) => `${fieldError.field}: ${fieldError.message}`).join('; ');
		return { kind: 'rejected', reason: 'refused_request', message: fields ? `${error.message} (${fields})` : error.message };
	}
	// Credentials refused or an unreadable answer: nothing to fix in the profile; retried until an operator fixes it.
	if (isBlueConicAuthError(error) || isBlueConicAnswerError(error)) return { kind: 'retry', message: error.message };
	throw error;
}
