import type { StoreRead } from '../store/segment-store.js';

/** `unknown`: no report for this session yet (or it expired), or the store cannot be read; `no`: reported, not a member. */
export type Decision = 'yes' | 'no' | 'unknown';

export function decide(read: StoreRead, segmentId: string): Decision {
	if (read.status !== 'hit') return 'unknown';
	return read.segmentIds.includes(segmentId) ? 'yes' : 'no';
}
