/**
 * BlueConic profile property types. BlueConic's UI and its REST metadata name them differently (Text / SELECT,
 * Number / RANGE, ...), and the reproduced product's mapping takes whichever the operator copied, so both
 * spellings are accepted, case-insensitively, and normalised to one name here.
 */
export type PropertyType = 'TEXT' | 'EMAIL' | 'NUMBER' | 'DECIMAL' | 'CURRENCY' | 'DATETIME';

// Keys are the accepted names with case, spaces, '_' and '-' removed.
const typeByFoldedName: Readonly<Record<string, PropertyType>> = {
	text: 'TEXT',
	select: 'TEXT',
	string: 'TEXT',
	// BlueConic has no boolean type: booleans travel as text.
	boolean: 'TEXT',
	email: 'EMAIL',
	emailaddress: 'EMAIL',
	number: 'NUMBER',
	range: 'NUMBER',
	integer: 'NUMBER',
	decimal: 'DECIMAL',
	currency: 'CURRENCY',
	datetime: 'DATETIME',
	date: 'DATETIME',
};

/** The normalised type for a UI or REST type name, or `undefined` when the name is not a BlueConic type. */
export function parsePropertyType(name: string): PropertyType | undefined {
	return typeByFoldedName[name.toLowerCase().replace(/[\s_-]+/g, '')];
}

/** The names accepted by `parsePropertyType`, for error messages. */
export const acceptedPropertyTypeNames =
	'Text/SELECT, Email address/EMAIL, Number/RANGE, Decimal, Currency, Date time/DATETIME (any case)';
