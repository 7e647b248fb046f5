import { parsePropertyType, type PropertyType } from '../blueconic/property-types.js';
import type { CatalogProperty } from './blueconic-catalog.js';

/**
 * "Check against BlueConic": each mapped property must exist in BlueConic (by id) and have the mapped type; BlueConic
 * names types by their REST names (`SELECT` is Text, `RANGE` is Number), compared after the same normalisation the
 * schema applies. The email property must be an Email address or Text property; the tracking-id property, Text.
 */

export interface MappingFinding {
	path: string;
	propertyId: string;
	problem: 'missing' | 'type_mismatch';
	message: string;
	expected?: string;
	actual?: string;
}

/** The mapping as the console sends it (not yet validated: a row may still be half typed). */
export interface MappingToCheck {
	emailPropertyId?: unknown;
	trackingIdPropertyId?: unknown;
	attributes?: unknown;
}

export function checkMapping(mapping: MappingToCheck, properties: readonly CatalogProperty[]): MappingFinding[] {
	const byId = new Map(properties.map((property) => [property.id, property]));
	const findings: MappingFinding[] = [];

	function check(path: string, propertyId: unknown, accepted: readonly PropertyType[]): void {
		if (typeof propertyId !== 'string' || propertyId === '') return; // the schema reports it
		const property = byId.get(propertyId);
		const shownId = propertyId.slice(0, 200);
		if (property === undefined) {
			findings.push({ path, propertyId: shownId, problem: 'missing', message: `BlueConic has no profile property "${shownId}"` });
			return;
		}
		const actual = parsePropertyType(property.filterType);
		if (actual !== undefined && accepted.includes(actual)) return;
		const expected = accepted.join(' or ');
		findings.push({
			path,
			propertyId: shownId,
			problem: 'type_mismatch',
			message: `BlueConic's "${shownId}" is ${property.filterType || 'of no type'}, not ${expected}`,
			expected,
			actual: property.filterType,
		});
	}

	check('profileMapping.emailPropertyId', mapping.emailPropertyId ?? 'email', ['EMAIL', 'TEXT']);
	check('profileMapping.trackingIdPropertyId', mapping.trackingIdPropertyId, ['TEXT']);
	if (Array.isArray(mapping.attributes)) {
		for (const [index, row] of mapping.attributes.slice(0, 1_000).entries()) {
			const blueconic = ((row ?? {}) as { blueconic?: { profilePropertyId?: unknown; type?: unknown } }).blueconic;
			const type = typeof blueconic?.type === 'string' ? parsePropertyType(blueconic.type) : undefined;
			if (type === undefined) continue; // an unknown type is the schema's field error, not BlueConic's
			check(`profileMapping.attributes[${index}].blueconic.profilePropertyId`, blueconic?.profilePropertyId, [type]);
		}
	}
	return findings;
}
