import type { PropertyType } from './property-types.js';

/**
 * Turns a user attribute value into the strings BlueConic stores for a property of the given type. A value that
 * does not fit is refused with a reason, never sent malformed; `absent` means "nothing to send" (null, an empty
 * string, an empty array), which leaves the profile's current value alone.
 */
export type CoercionResult =
	| { readonly status: 'coerced'; readonly values: readonly string[] }
	| { readonly status: 'absent' }
	| { readonly status: 'invalid'; readonly reason: string };

type ScalarResult = { readonly status: 'coerced'; readonly value: string } | { readonly status: 'invalid'; readonly reason: string };

/** Decimal places BlueConic keeps: four for Decimal (its documented precision), two for Currency (cents). */
const decimalPlaces = 4;
const currencyPlaces = 2;

// Plain decimal notation only: Number() would also take "0x1f", "1e3", "Infinity" and "" (as 0).
const decimalText = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
// ISO 8601 date, or date-time with optional seconds, fraction and zone.
const isoDateTimeText = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** RFC 5321 limits a path to 256 octets, angle brackets included: no deliverable address is longer. */
export const maxEmailAddressLength = 254;

/**
 * Whether `text` passes as an email address, here and for the profile's matching email (see mapping.ts).
 * Deliberately loose (one @ with text before it, a dot inside the domain, no white space): the address's owner
 * already confirmed it with Zephr. Checked by position, not by a pattern: the obvious regex
 * (`^[^\s@]+@[^\s@]+\.[^\s@]+$`) backtracks quadratically on a long domain full of dots, and any sender can post
 * one. The length cap comes first, so no check below ever looks at more than 254 characters.
 */
export function isEmailAddress(text: string): boolean {
	if (text.length > maxEmailAddressLength || /\s/.test(text)) return false;
	const at = text.indexOf('@');
	if (at < 1 || at !== text.lastIndexOf('@')) return false;
	const domain = text.slice(at + 1);
	// A dot with at least one character on each side of it ("x.y", also "x.y.z"; not "x." or ".y").
	return domain.slice(1, -1).includes('.');
}

export function coerceAttributeValue(value: unknown, type: PropertyType): CoercionResult {
	if (value === null || value === undefined) return { status: 'absent' };
	const items = Array.isArray(value) ? value : [value];
	const values: string[] = [];
	for (const [index, item] of items.entries()) {
		if (item === null || item === undefined || (typeof item === 'string' && item.trim() === '')) continue;
		const result = coerceScalar(item, type);
		if (result.status === 'invalid') {
			return { status: 'invalid', reason: Array.isArray(value) ? `item ${index}: ${result.reason}` : result.reason };
		}
		values.push(result.value);
	}
	return values.length === 0 ? { status: 'absent' } : { status: 'coerced', values };
}

function coerceScalar(value: unknown, type: PropertyType): ScalarResult {
	switch (type) {
		case 'TEXT':
			return coerceText(value);
		case 'EMAIL':
			return coerceEmail(value);
		case 'NUMBER':
			return coerceInteger(value);
		case 'DECIMAL':
			return coerceFixed(value, decimalPlaces);
		case 'CURRENCY':
			return coerceFixed(value, currencyPlaces);
		case 'DATETIME':
			return coerceDateTime(value);
	}
}

function coerceText(value: unknown): ScalarResult {
	if (typeof value === 'string') return { status: 'coerced', value };
	// BlueConic has no boolean type; booleans travel as the text "true" / "false".
	if (typeof value === 'boolean') return { status: 'coerced', value: String(value) };
	if (typeof value === 'number' && Number.isFinite(value)) return { status: 'coerced', value: String(value) };
	return { status: 'invalid', reason: `expected text, got ${describe(value)}` };
}

function coerceEmail(value: unknown): ScalarResult {
	if (typeof value !== 'string') return { status: 'invalid', reason: `expected an email address, got ${describe(value)}` };
	const address = value.trim();
	return isEmailAddress(address) ? { status: 'coerced', value: address } : { status: 'invalid', reason: 'is not an email address' };
}

function readNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && decimalText.test(value.trim())) return Number(value.trim());
	return undefined;
}

function coerceInteger(value: unknown): ScalarResult {
	const number = readNumber(value);
	if (number === undefined) return { status: 'invalid', reason: `expected a whole number, got ${describe(value)}` };
	// Rounding 2.5 to 3 would store something the user never had; refuse instead.
	if (!Number.isInteger(number)) return { status: 'invalid', reason: `expected a whole number, got ${number}` };
	if (!Number.isSafeInteger(number)) return { status: 'invalid', reason: `${number} is too large to store exactly` };
	return { status: 'coerced', value: String(number === 0 ? 0 : number) };
}

function coerceFixed(value: unknown, places: number): ScalarResult {
	const number = readNumber(value);
	if (number === undefined) return { status: 'invalid', reason: `expected a number, got ${describe(value)}` };
	if (Math.abs(number) >= 1e15) return { status: 'invalid', reason: `${number} is too large to store exactly` };
	const rounded = Number(number.toFixed(places));
	return { status: 'coerced', value: (rounded === 0 ? 0 : rounded).toFixed(places) };
}

function coerceDateTime(value: unknown): ScalarResult {
	if (typeof value === 'number' || (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value))) {
		// Numbers are Unix milliseconds already (Zephr's timestamps are); BlueConic stores exactly that.
		const milliseconds = Number(value);
		if (!Number.isSafeInteger(milliseconds)) return { status: 'invalid', reason: `expected Unix milliseconds, got ${String(value)}` };
		return { status: 'coerced', value: String(milliseconds) };
	}
	if (typeof value !== 'string') return { status: 'invalid', reason: `expected a date, got ${describe(value)}` };
	const text = value.trim();
	const match = isoDateTimeText.exec(text);
	if (!match) return { status: 'invalid', reason: `"${text.slice(0, 40)}" is not an ISO 8601 date` };
	// A date-time without a zone is read as UTC, so the result does not depend on the server's time zone.
	const hasTime = match[4] !== undefined;
	const withZone = hasTime && match[7] === undefined ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T');
	const milliseconds = Date.parse(withZone);
	if (Number.isNaN(milliseconds) || !isRealCalendarDate(match)) {
		return { status: 'invalid', reason: `"${text.slice(0, 40)}" is not a valid date` };
	}
	return { status: 'coerced', value: String(milliseconds) };
}

/** `Date.parse` rolls 2024-02-30 over to March; a date that does not exist is refused instead. */
function isRealCalendarDate(match: RegExpExecArray): boolean {
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function describe(value: unknown): string {
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'number') return String(value);
	if (typeof value === 'string') return `"${value.slice(0, 40)}"`;
	return value === null ? 'null' : typeof value;
}
