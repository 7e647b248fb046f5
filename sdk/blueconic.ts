/**
 * The part of BlueConic's browser client (`window.blueConicClient`) the SDK uses. Every member is optional on
 * purpose: the client is third-party code that may be half-loaded, blocked or replaced, so callers check first.
 */
export interface BlueConicClient {
	event?: {
		/** `subscribe(eventName, context, handler)`; names seen in BlueConic's own code: onEventReady, PAGEVIEW, ... */
		subscribe?: (eventName: string, context: unknown, handler: () => void) => void;
	};
	/** The visitor's current segments, objects with an `id` (and a `name`, unused). */
	getSegments?: () => unknown;
	/** Registers a single-page-app page view; BlueConic recomputes segments after its round trip. */
	handlePageView?: (...args: unknown[]) => unknown;
}

/** A client whose event API exists: BlueConic's own definition of "ready". */
export type ReadyBlueConicClient = BlueConicClient & {
	event: { subscribe: (eventName: string, context: unknown, handler: () => void) => void };
};

/** BlueConic fires this on `window` once its client is defined. */
export const loadedEventName = 'onBlueConicLoaded';

/** BlueConic events after which the segments may have changed. */
export const segmentEventNames = ['onEventReady', 'onBeforeInteractions', 'PAGEVIEW'];

declare global {
	interface Window {
		blueConicClient?: BlueConicClient;
	}
}
