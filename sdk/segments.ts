/** The collector's defaults (`maxPerSession`, `maxIdLength`): a longer report would be refused whole. */
export const maxSegments = 200;
export const maxIdLength = 200;

/**
 * The report to post for what `blueConicClient.getSegments()` returned: the JSON array of the segment ids,
 * non-empty strings only, each at most `maxIdLength` characters (a longer one is dropped, not cut: a cut id would
 * name another segment), without duplicates, at most `maxSegments` of them. Sorted, so that the same set always
 * gives the same text and comparing two reports is comparing two strings.
 */
export function segmentReport(segments: unknown): string {
	const segmentIds = new Set<string>();
	for (const segment of Array.isArray(segments) ? segments : []) {
		const id: unknown = segment?.id;
		if (typeof id === 'string' && id && id.length <= maxIdLength && segmentIds.size < maxSegments) {
			segmentIds.add(id);
		}
	}
	return JSON.stringify([...segmentIds].sort());
}

/** The segment ids of a report; `undefined` for none, or for text that is not JSON (another script's storage). */
export function segmentIdsOf(report: string | null): string[] | undefined {
	try {
		// JSON.parse(null) is null: nothing remembered.
		return (JSON.parse(report as string) as string[] | null) ?? undefined;
	} catch {
		return undefined;
	}
}
