import { type SegmentSync, type SegmentSyncOptions, startSegmentSync } from './index.js';

declare global {
	interface Window {
		/** The script tag's running sync; its presence is also what keeps a second copy of the script idle. */
		BlueConicBridge?: SegmentSync;
	}
}

// The options are the tag's data-* attributes: `data-max-attempts="3"` arrives as `maxAttempts: '3'`, a string,
// which `resolveOptions` converts. `currentScript` is only set while this file's top level runs; without it,
// `startSegmentSync`'s own default (no options) applies.
const dataset = document.currentScript?.dataset;
if (!window.BlueConicBridge) {
	try {
		window.BlueConicBridge = startSegmentSync(dataset as SegmentSyncOptions);
	} catch {
		// Nothing it does is known to throw; whatever might must still not reach the page.
	}
}
