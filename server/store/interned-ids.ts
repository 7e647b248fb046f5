import { mapEntryBytes, objectBytes, stringBytes } from '../utils/heap-bytes.js';

interface SharedId {
	readonly id: string;
	/** Held reports that reference this id. */
	refs: number;
}

/** What one distinct id costs the table: its string, its table entry and its reference count. */
export function sharedIdBytes(id: string): number {
	return stringBytes(id) + mapEntryBytes + objectBytes(2);
}

/**
 * One shared string per distinct segment id the store holds. A site has hundreds of segments but a million
 * sessions, so storing references to shared strings instead of each session's own copies is most of the memory
 * saved.
 *
 * An id lives exactly as long as some held report references it (the store acquires an id for each report it
 * keeps and releases it when the report goes), and its bytes are counted into the store's `maxBytes`: a flood of
 * junk ids leaves with the sessions that posted them instead of pinning memory, and it cannot crowd out the
 * site's real segments, which stay shared for as long as any session holds them.
 */
export class InternedIds {
	readonly #ids = new Map<string, SharedId>();
	#bytes = 0;

	/** Heap the table holds for its ids, counted as in `sharedIdBytes`. */
	get bytes(): number {
		return this.#bytes;
	}

	get size(): number {
		return this.#ids.size;
	}

	/** The shared copy of `id`, referenced once more; every call is matched by one `release`. */
	acquire(id: string): string {
		const shared = this.#ids.get(id);
		if (shared !== undefined) {
			shared.refs++;
			return shared.id;
		}
		// Copy through a Buffer so the kept string is flat and owns its characters, instead of being a slice
		// of the request body that would keep the whole body alive.
		const owned = Buffer.from(id, 'utf8').toString('utf8');
		this.#ids.set(owned, { id: owned, refs: 1 });
		this.#bytes += sharedIdBytes(owned);
		return owned;
	}

	/** Drops one reference to `id`; the last one drops the id. */
	release(id: string): void {
		const shared = this.#ids.get(id);
		if (shared === undefined || --shared.refs > 0) return;
		this.#ids.delete(id);
		this.#bytes -= sharedIdBytes(id);
	}
}
