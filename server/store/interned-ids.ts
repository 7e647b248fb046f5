/**
 * One shared string per distinct segment id. A site has hundreds of segments but a million sessions, so
 * storing references to shared strings instead of each session's own copies is most of the memory saved.
 * Bounded: once `maxIds` distinct ids are known, new ones are kept as they are (still correct, just unshared).
 */
export class InternedIds {
	readonly #ids = new Map<string, string>();

	constructor(readonly maxIds: number) {}

	intern(id: string): string {
		const known = this.#ids.get(id);
		if (known !== undefined) return known;
		// Copy through a Buffer so the kept string is flat and owns its characters, instead of being a slice
		// of the request body that would keep the whole body alive.
		const owned = Buffer.from(id, 'utf8').toString('utf8');
		if (this.#ids.size < this.maxIds) this.#ids.set(owned, owned);
		return owned;
	}
}
