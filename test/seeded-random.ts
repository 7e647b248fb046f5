/** Whole numbers below `below` from xorshift32: the same sequence for the same seed, every run. */
export function seededRandom(seed: number): (below: number) => number {
	let state = seed | 0 || 1;
	return (below) => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) % below;
	};
}
