import type { CollectorConfig } from '../config/schema.js';
import type { DecisionInputs } from './decide-with-source.js';
import type { BlueConicSegments } from './index.js';

/** The part of a decision's inputs that comes from the deployment: its trust setting and BlueConic reads. */
export function trustSettingsOf(
	config: CollectorConfig,
	blueconicSegments: BlueConicSegments | undefined,
): Pick<DecisionInputs, 'source' | 'anonymous' | 'blueconic' | 'lookupWaitMs' | 'onIgnoredClaims'> {
	return {
		source: config.segments.source,
		anonymous: config.segments.anonymous,
		blueconic: blueconicSegments,
		lookupWaitMs: config.segments.blueconic.lookupWaitMs,
		onIgnoredClaims: blueconicSegments && ((count) => blueconicSegments.ignoredClaims(count)),
	};
}
