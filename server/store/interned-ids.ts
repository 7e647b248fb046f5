import { LRUCache } from 'lru-cache';

/**
 * One shared string per distinct segment id. A site has hundreds of segments but a million sessions, so
 * storing references to shared strings instead of each session's own copies is most of the memory saved.
 * Bounded, and least recently used first out: a session posting junk ids cannot crowd out the site's real
 * segments, which every report keeps fresh.
 */
export class InternedIds {
	readonly #ids: LRUCache<string, string>;

	constructor(maxIds: number) {
		this.#ids = new LRUCache({ max: maxIds });
	}

	intern(id: string): string {
		const known = this.#ids.get(id);
		if (known !== undefined) return known;
		// Copy through a Buffer so the kept string is flat and owns its characters, instead of being a slice
		// of the request body that would keep the whole body alive.
		const owned = Buffer.from(id, 'utf8').toString('utf8');
		this.#ids.set(owned, owned);
		return owned;
	}
}
