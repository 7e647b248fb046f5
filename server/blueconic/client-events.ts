import type { UnavailableReason } from './errors/blueconic-unavailable-error.js';

/** How a token request ended; counted by profile sync's metrics. */
export type TokenFetchOutcome = 'issued' | 'refused' | 'failed';

/** Why a request to BlueConic is being sent again. */
export type RetryCause = UnavailableReason | 'token_rejected' | 'too_large';

/**
 * Hooks the BlueConic client calls as things happen, so metrics live with profile sync and the client stays free
 * of prom-client. Every hook is optional and must not throw.
 */
export interface BlueConicClientEvents {
	onTokenFetch?(outcome: TokenFetchOutcome): void;
	onRetry?(cause: RetryCause): void;
}
