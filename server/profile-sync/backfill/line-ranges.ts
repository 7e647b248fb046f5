/**
 * A set of line numbers kept as sorted, disjoint, half-open ranges `[start, end)`. Batches finish out of order
 * under concurrency, so "done" is not a single offset: after batches 1, 3 and 4 finish it is two ranges, and a
 * resumed run must skip both while re-sending batch 2.
 */
export class LineRanges {
	#ranges: [number, number][] = [];

	/** Ranges as stored in a checkpoint; overlapping or unsorted input is normalised. */
	static from(ranges: readonly (readonly [number, number])[]): LineRanges {
		const set = new LineRanges();
		for (const [start, end] of ranges) set.add(start, end);
		return set;
	}

	/** Adds lines `start` (inclusive) to `end` (exclusive), merging with touching or overlapping ranges. */
	add(start: number, end: number): void {
		if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start)) {
			throw new RangeError(`invalid line range [${start}, ${end})`);
		}
		if (start === end) return;
		const merged: [number, number][] = [];
		let pending: [number, number] = [start, end];
		let placed = false;
		for (const range of this.#ranges) {
			if (range[1] < pending[0]) merged.push(range);
			else if (pending[1] < range[0]) {
				if (!placed) merged.push(pending);
				placed = true;
				merged.push(range);
			} else pending = [Math.min(range[0], pending[0]), Math.max(range[1], pending[1])];
		}
		if (!placed) merged.push(pending);
		this.#ranges = merged;
	}

	has(line: number): boolean {
		let low = 0;
		let high = this.#ranges.length - 1;
		while (low <= high) {
			const middle = (low + high) >> 1;
			const range = this.#ranges[middle] as [number, number];
			if (line < range[0]) high = middle - 1;
			else if (line >= range[1]) low = middle + 1;
			else return true;
		}
		return false;
	}

	/** How many lines the ranges cover. */
	get size(): number {
		return this.#ranges.reduce((total, [start, end]) => total + end - start, 0);
	}

	toJSON(): [number, number][] {
		return this.#ranges.map(([start, end]) => [start, end]);
	}
}
