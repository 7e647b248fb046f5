/** The value below which `fraction` of the sorted samples fall (nearest rank). */
export function percentile(sortedSamples: ArrayLike<number>, fraction: number): number {
	if (sortedSamples.length === 0) return Number.NaN;
	const rank = Math.min(sortedSamples.length - 1, Math.max(0, Math.ceil(fraction * sortedSamples.length) - 1));
	return sortedSamples[rank] as number;
}

export function median(values: readonly number[]): number {
	return percentile([...values].sort((a, b) => a - b), 0.5);
}
