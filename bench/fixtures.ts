import { randomUUID } from 'node:crypto';

/** A site's segment ids: UUID-like, as BlueConic's are. */
export function segmentIdPool(size = 200): string[] {
	return Array.from({ length: size }, () => randomUUID());
}

/** `count` distinct ids drawn from the pool. */
export function pickSegmentIds(pool: readonly string[], count: number): string[] {
	const picked = new Set<string>();
	while (picked.size < count) picked.add(pool[Math.floor(Math.random() * pool.length)] as string);
	return [...picked];
}
