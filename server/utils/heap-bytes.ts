/**
 * What V8 spends on the objects the collector keeps for clients, so that whatever holds client-chosen strings can
 * be bounded in bytes rather than only in entries. Node's builds are 64-bit without pointer compression: 8-byte
 * pointers, every object aligned to 8 bytes. Each figure errs on the high side; test/server/memory-bounds.test.ts
 * checks them against measured heaps.
 */

const wordBytes = 8;
// A sequential string: map, hash and length, then its characters.
const stringHeaderBytes = 16;
// A JSArray (map, properties, elements, length) and its elements' FixedArray header (map, length).
const arrayHeaderBytes = 4 * wordBytes + 2 * wordBytes;
// A plain object's map, properties and elements pointers; its fields follow in-object.
const objectHeaderBytes = 3 * wordBytes;

/** A number that is not a small integer (a `Date.now()`, say), boxed when held in an object field. */
export const heapNumberBytes = 2 * wordBytes;

/**
 * One entry of a `Map` or `Set`: three words in its table plus half a bucket word per slot, and V8 grows a table
 * to twice its size once it is half full of live entries and shrinks it only below a quarter, so a table can
 * hold four slots per live entry.
 */
export const mapEntryBytes = 4 * (3 * wordBytes + wordBytes / 2);

// Any character past U+007F: copies decoded from UTF-8 may then be two bytes a UTF-16 unit.
const beyondAscii = /[^\u0000-\u007f]/;

/** A flat string of `text`'s characters: one byte a UTF-16 unit if it is ASCII, else counted as two. */
export function stringBytes(text: string): number {
	return alignToWord(stringHeaderBytes + (beyondAscii.test(text) ? 2 : 1) * text.length);
}

/** The most a flat string of `length` UTF-16 units can take. */
export function largestStringBytes(length: number): number {
	return alignToWord(stringHeaderBytes + 2 * length);
}

/** The most a flat string of `length` ASCII characters takes (one byte each). */
export function largestAsciiStringBytes(length: number): number {
	return alignToWord(stringHeaderBytes + length);
}

/** A `WeakRef`: an object of one field, its target (which it does not keep alive). */
export const weakRefBytes = objectHeaderBytes + wordBytes;

/** An array of `length` references (its elements exactly that long, as `map` and `slice` make them). */
export function arrayBytes(length: number): number {
	return arrayHeaderBytes + wordBytes * length;
}

/** A plain object of `fields` fields holding references or small integers. */
export function objectBytes(fields: number): number {
	return objectHeaderBytes + wordBytes * fields;
}

/**
 * What lru-cache allocates up front for each of its `max` slots: key and value references, next and previous
 * indexes and its free-slot stack (typed arrays of at most 4 bytes an index), and with a `ttl` a start time and a
 * time to live (8 bytes each).
 */
export function lruSlotBytes({ ttl }: { ttl: boolean }): number {
	return 2 * wordBytes + 3 * 4 + (ttl ? 2 * wordBytes : 0);
}

function alignToWord(bytes: number): number {
	return Math.ceil(bytes / wordBytes) * wordBytes;
}
