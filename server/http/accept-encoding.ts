/** The content codings the collector can answer a precompressed file in. */
export type ContentCoding = 'br' | 'gzip' | 'identity';

// Preferred in this order when the client weighs them alike: brotli is the smallest.
const preference: readonly ContentCoding[] = ['br', 'gzip', 'identity'];

/**
 * The coding to answer in, of `available` (identity always is), per `Accept-Encoding` (RFC 9110, 12.5.3): the
 * highest q-value wins, brotli before gzip before identity on a tie; `*` stands for every coding not named; `q=0`
 * refuses. Identity not named is acceptable, as a last resort. No header, or every coding refused: identity
 * (a 406 would help no browser).
 */
export function chooseContentCoding(header: string | undefined, available: ReadonlySet<ContentCoding>): ContentCoding {
	if (header === undefined) return 'identity';
	const named = new Map<string, number>();
	for (const entry of header.split(',')) {
		const semicolon = entry.indexOf(';');
		const name = (semicolon === -1 ? entry : entry.slice(0, semicolon)).trim().toLowerCase();
		const weight = semicolon === -1 ? 1 : qValue(entry.slice(semicolon + 1));
		// An entry with an unreadable q-value is ignored, as if it were not there.
		if (name !== '' && weight !== undefined) named.set(name === 'x-gzip' ? 'gzip' : name, weight);
	}
	const anyOther = named.get('*');
	let chosen: ContentCoding = 'identity';
	let chosenWeight = 0;
	for (const coding of preference) {
		if (coding !== 'identity' && !available.has(coding)) continue;
		const weight = named.get(coding) ?? anyOther ?? (coding === 'identity' ? Number.MIN_VALUE : 0);
		if (weight > chosenWeight) {
			chosen = coding;
			chosenWeight = weight;
		}
	}
	return chosen;
}

/** The `q` parameter of an entry's parameters (`;q=0.8`): 1 without one, `undefined` when it is not a valid weight. */
function qValue(parameters: string): number | undefined {
	for (const parameter of parameters.split(';')) {
		const equals = parameter.indexOf('=');
		if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== 'q') continue;
		const text = parameter.slice(equals + 1).trim();
		// "0", "0.5", "1", "1.000": at most three decimals (RFC 9110, 12.4.2). Anchored, without nested repeats.
		return /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(text) ? Number(text) : undefined;
	}
	return 1;
}
