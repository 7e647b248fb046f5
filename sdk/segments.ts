import type { BlueConicClient } from './blueconic.js';

/** The collector's defaults (`maxPerSession`, `maxIdLength`): a longer report would be refused whole. */
export const maxSegments = 200;
export const maxIdLength = 200;

/**
 * The report to post for what `client.getSegments()` returns: the JSON array of the segment ids, non-empty
 * strings only, each at most `maxIdLength` characters (a longer one is dropped, not cut: a cut id would name
 * another segment), without duplicates, at most `maxSegments` of them. Sorted, so that the same set always gives
 * the same text and comparing two reports is comparing two strings. No list gives `[]` (`Array.from` of a value
 * with neither an iterator nor a length is empty). Throws what `getSegments` throws.
 */
export const segmentReport = (client: BlueConicClient | undefined): string =>
	JSON.stringify(
		[
			...new Set(
				Array.from((client?.getSegments?.() || []) as ArrayLike<{ id?: unknown } | null>, (segment) => segment?.id).filter(
					(id) => typeof id === 'string' && id && id.length <= maxIdLength,
				),
			),
		]
			.sort()
			.slice(0, maxSegments),
	);
