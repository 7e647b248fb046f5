import { type ReadyBlueConicClient, loadedEventName } from './blueconic.js';

/**
 * Calls `onReady` once BlueConic's client is ready, whether it loaded before us or arrives later. Gives up
 * quietly after `timeoutMs`: BlueConic blocked (by an ad blocker, say) or not on this page is normal, not a
 * failure. Event-driven, never polls: it checks in a task of its own (so that the caller has returned first) and on
 * each `onBlueConicLoaded`.
 */
export function whenBlueConicReady(timeoutMs: number, onReady: (client: ReadyBlueConicClient) => void): void {
	const check = (): void => {
		const client = window.blueConicClient;
		// Ready as BlueConic defines it: the event API exists.
		if (typeof client?.event?.subscribe === 'function') {
			clearTimeout(giveUpTimer);
			removeEventListener(loadedEventName, check);
			onReady(client as ReadyBlueConicClient);
		}
	};
	const giveUpTimer = setTimeout(() => removeEventListener(loadedEventName, check), timeoutMs);
	addEventListener(loadedEventName, check);
	setTimeout(check);
}
