/**
 * Where each session's last segment report lives. Async, so the Redis-backed store used by several collector
 * instances can implement the same interface as the in-process one.
 *
 * Keys are session keys (see `sessionKeyOf`), never raw cookie values.
 */
export interface SegmentStore {
	read(sessionKey: string): Promise<StoreRead>;
	write(sessionKey: string, segmentIds: readonly string[]): Promise<void>;
	/**
	 * Resolves with the first report written for this session within `timeoutMs`, or with the state at the
	 * end of the wait. Resolves at once when a report is already held.
	 */
	waitForReport(sessionKey: string, timeoutMs: number): Promise<StoreRead>;
	sessionCount(): Promise<number>;
	close(): Promise<void>;
}

/** `miss`: never reported (or evicted); `expired`: a report was held but its time to live ran out. */
export type StoreRead =
	| { status: 'hit'; segmentIds: readonly string[]; updatedAt: Date }
	| { status: 'miss' }
	| { status: 'expired' };
