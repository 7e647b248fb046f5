import type { BlueConicClient } from './blueconic.js';

/**
 * Calls `onNavigate` after every single-page-app navigation: BlueConic's `handlePageView` (which an SPA, or
 * BlueConic's own SPA support, calls per virtual page view), `history.pushState`, and back/forward (`popstate`).
 * The wrappers call the original first and pass its result and errors through untouched. `onNavigate` must not
 * throw.
 */
export function watchNavigations(client: BlueConicClient, onNavigate: () => void): void {
	callAfter(client, 'handlePageView', onNavigate);
	callAfter(history, 'pushState', onNavigate);
	addEventListener('popstate', onNavigate);
}

function callAfter<Owner extends object>(owner: Owner, methodName: keyof Owner, after: () => void): void {
	const original: unknown = owner[methodName];
	if (typeof original !== 'function') return;
	owner[methodName] = function (this: unknown, ...args: unknown[]): unknown {
		const result: unknown = original.apply(this, args);
		after();
		return result;
	} as Owner[keyof Owner];
}
