import { sessionKeyOf } from '../store/session-key.js';
import { isAscii } from 'node:buffer';
import { heapNumberBytes, largestAsciiStringBytes, largestStringBytes, mapEntryBytes, objectBytes, weakRefBytes } from '../utils/heap-bytes.js';
import type { StorePlace } from '../store/segment-store.js';
import type { SessionIdentity } from './session-validator.js';

/** A session's per-minute report count, in this process: kept in its record (see `RateLimit.takeIn`). */
export interface RateWindow {
	windowStartedAt: number;
	windowCount: number;
}

/** Cookie values longer than this get no record (they are checked by the validator every time, as before). */
export const maxRecordedCookieLength = 256;
/** Identities longer than this in all (an email and two ids, in characters) get no record either. */
export const maxRecordedIdentityLength = 256;

/** Report bodies longer than this (in bytes, ASCII only; a dozen UUID ids) are not remembered: they are parsed every time. */
export const maxRememberedReportLength = 480;

/**
 * What the hot path knows about one session that its validator vouched for: until when it may be taken as valid
 * without asking again, who it is, its store key (hashed once, not per request), with the in-process rate limit
 * its report window, and with the in-process store its last report (see `rememberReport`) and where the store
 * keeps it. Found with one lookup by the cookie's value.
 */
export class SessionRecord implements RateWindow, StorePlace {
	/** Second chance for the eviction sweep: set by each use, cleared by the sweep passing over it. */
	used = true;
	/** Where the in-process store last found the session (a hint it checks), -1 before. */
	storeSlot = -1;
	windowStartedAt = 0;
	windowCount = 0;
	/** The body of the session's last report, as it came: a page posts the same one on every view. */
	reportText: string | undefined = undefined;
	/** What the store held once that body was written; not kept alive by the record. */
	reportHeld: WeakRef<readonly string[]> | undefined = undefined;

	constructor(
		/** A flat copy of the cookie's value: never a slice of its request's `Cookie` header, which it would keep alive. */
		readonly cookieValue: string,
		readonly sessionKey: string,
		public identity: SessionIdentity | undefined,
		/** Ms since the epoch; past it, the validator is asked again (and the record refreshed or dropped). */
		public validUntil: number,
	) {}

	/**
	 * Remembers the report the store now holds (`held`) for the body `text` (decoded from `body`), so that the same
	 * body next time is known to mean the same ids without parsing it. Only ASCII bodies up to
	 * `maxRememberedReportLength` bytes: what `recordBytes` counts.
	 */
	rememberReport(body: Buffer, text: string, held: readonly string[]): void {
		if (body.length > maxRememberedReportLength || !isAscii(body)) {
			this.reportText = this.reportHeld = undefined;
			return;
		}
		this.reportText = text;
		this.reportHeld = new WeakRef(held);
	}

	/** What the store held for `text` when it was this session's last report, if it was and that array lives on. */
	heldReportFor(text: string): readonly string[] | undefined {
		return this.reportText === text ? this.reportHeld?.deref() : undefined;
	}
}

// What aligning a string's end to a word can add.
const identityAlignmentBytes = 8;

/**
 * The most one record costs: its table entry, the record (ten fields, two of them boxed doubles), the cookie
 * copy (at most `maxRecordedCookieLength` UTF-16 units), the store key, an identity of at most
 * `maxRecordedIdentityLength` characters in three strings (counted even when the validator's own cache shares it)
 * and a remembered report body with its `WeakRef` (the array it points to is the store's, counted there).
 */
export const recordBytes =
	mapEntryBytes +
	objectBytes(10) +
	largestAsciiStringBytes(maxRememberedReportLength) +
	weakRefBytes +
	2 * heapNumberBytes +
	largestStringBytes(maxRecordedCookieLength) +
	largestStringBytes(sessionKeyOf('').length) +
	objectBytes(3) +
	// Three strings of two bytes a character, each rounded up to whole words.
	3 * (largestStringBytes(0) + identityAlignmentBytes) +
	2 * maxRecordedIdentityLength;

/**
 * The records of sessions in use, at most `maxRecords` (so at most `maxRecords × recordBytes` of heap). Only
 * sessions the validator found valid get one: made-up cookies never enter, so a flood of them cannot push a real
 * visitor's record out. Past `maxRecords`, a sweep in insertion order evicts the first record not used since the
 * sweep last passed (a "second chance" clock): a hit costs one `Map.get` and a flag, no reordering.
 */
export class SessionRecords {
	readonly #records = new Map<string, SessionRecord>();
	readonly #maxRecords: number;

	constructor(maxRecords: number) {
		if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new TypeError('maxRecords must be a positive integer');
		this.#maxRecords = maxRecords;
	}

	get size(): number {
		return this.#records.size;
	}

	/** The record for a cookie value, valid or not (the caller compares `validUntil` with its clock). */
	get(cookieValue: string): SessionRecord | undefined {
		const record = this.#records.get(cookieValue);
		if (record !== undefined) record.used = true;
		return record;
	}

	/**
	 * Records a session the validator vouched for until `validUntil`, refreshing an existing record in place (its
	 * rate window kept). Answers `undefined`, recording nothing, for a cookie or identity past the bounds.
	 */
	remember(cookieValue: string, sessionKey: string, identity: SessionIdentity | undefined, validUntil: number): SessionRecord | undefined {
		if (cookieValue.length > maxRecordedCookieLength || identityLength(identity) > maxRecordedIdentityLength) return undefined;
		const existing = this.#records.get(cookieValue);
		if (existing !== undefined) {
			existing.identity = identity;
			existing.validUntil = validUntil;
			existing.used = true;
			return existing;
		}
		if (this.#records.size >= this.#maxRecords) this.#evictOne();
		const record = new SessionRecord(flatCopy(cookieValue), sessionKey, identity, validUntil);
		this.#records.set(record.cookieValue, record);
		return record;
	}

	/** Drops a record the validator no longer vouches for. */
	forget(cookieValue: string): void {
		this.#records.delete(cookieValue);
	}

	#evictOne(): void {
		// Each pass either evicts or clears a flag and moves the record to the end: at most one full turn.
		for (;;) {
			const first = this.#records.values().next();
			if (first.done === true) return;
			const record = first.value;
			this.#records.delete(record.cookieValue);
			if (!record.used) return;
			record.used = false;
			this.#records.set(record.cookieValue, record);
		}
	}
}

function identityLength(identity: SessionIdentity | undefined): number {
	if (identity === undefined) return 0;
	return (identity.email?.length ?? 0) + (identity.trackingId?.length ?? 0) + (identity.userId?.length ?? 0);
}

/** A copy of `text` in a string of its own (V8 keeps substrings as slices of their parent). */
function flatCopy(text: string): string {
	return Buffer.from(text, 'utf8').toString('utf8');
}
