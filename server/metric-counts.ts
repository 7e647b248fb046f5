import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Counters and histograms the hot paths count into as plain numbers, copied into their prom-client metric only
 * when the registry is read (`registry.metrics()`, `registry.getMetricsAsJSON()`: both run the metric's `collect`).
 * prom-client itself hashes the label values of every increment; on a request that costs as much as its own work.
 * Names, help, labels and buckets are the metric's own, so what a scrape shows is unchanged.
 */

/** One label set's count; `inc` is a field add. */
export class Count {
	value = 0;
	constructor(readonly labelValues: readonly string[]) {}
	inc(by = 1): void {
		this.value += by;
	}
}

export interface CountedCounterOptions<L extends string> {
	name: string;
	help: string;
	labelNames: readonly L[];
	registry: Registry;
}

/** A labelled counter: `labels(...values)` resolves a label set once, for code that increments it often. */
export class CountedCounter<L extends string> {
	readonly #labelNames: readonly L[];
	// One level per label would cost more than it saves for the one- to three-label counters here.
	readonly #counts = new Map<string, Count>();

	constructor({ name, help, labelNames, registry }: CountedCounterOptions<L>) {
		this.#labelNames = labelNames;
		const counts = this.#counts;
		new Counter({
			name,
			help,
			labelNames,
			registers: [registry],
			collect() {
				this.reset();
				for (const count of counts.values()) {
					if (count.value > 0) this.inc(labelsOf(labelNames, count.labelValues) as Partial<Record<L, string>>, count.value);
				}
			},
		});
	}

	/** The count of one label set, in `labelNames` order. */
	labels(...labelValues: string[]): Count {
		const key = labelValues.length === 1 ? (labelValues[0] as string) : labelValues.join('\u0000');
		let count = this.#counts.get(key);
		if (count === undefined) {
			count = new Count(labelValues);
			this.#counts.set(key, count);
		}
		return count;
	}

	/** prom-client's `inc({label: value}, by)`, for code off the hot path. */
	inc(labels: Readonly<Record<L, string | number>>, by = 1): void {
		this.labels(...this.#labelNames.map((name) => String(labels[name]))).inc(by);
	}
}

function labelsOf(labelNames: readonly string[], labelValues: readonly string[]): Record<string, string> {
	const labels: Record<string, string> = {};
	for (let index = 0; index < labelNames.length; index++) labels[labelNames[index] as string] = labelValues[index] as string;
	return labels;
}

/** One label set's observations: a count per bucket (not cumulative), their sum and their number. */
export class Observations {
	readonly bucketCounts: number[];
	sum = 0;
	count = 0;

	constructor(
		readonly labelValue: string,
		readonly upperBounds: readonly number[],
	) {
		this.bucketCounts = upperBounds.map(() => 0);
	}

	observe(value: number): void {
		const bounds = this.upperBounds;
		for (let index = 0; index < bounds.length; index++) {
			if (value <= (bounds[index] as number)) {
				(this.bucketCounts[index] as number)++;
				break;
			}
		}
		this.sum += value;
		this.count++;
	}
}

export interface CountedHistogramOptions {
	name: string;
	help: string;
	/** The one label the histogram is split by. */
	labelName: string;
	buckets: readonly number[];
	registry: Registry;
}

/** A histogram with one label, observed into `Observations` and copied into prom-client's when read. */
export class CountedHistogram {
	readonly #buckets: readonly number[];
	readonly #byLabel = new Map<string, Observations>();

	constructor({ name, help, labelName, buckets, registry }: CountedHistogramOptions) {
		this.#buckets = buckets;
		const byLabel = this.#byLabel;
		new Histogram({
			name,
			help,
			labelNames: [labelName],
			buckets: [...buckets],
			registers: [registry],
			collect() {
				this.reset();
				for (const observations of byLabel.values()) {
					if (observations.count > 0) copyInto(this, { [labelName]: observations.labelValue }, observations);
				}
			},
		});
	}

	labels(labelValue: string): Observations {
		let observations = this.#byLabel.get(labelValue);
		if (observations === undefined) {
			observations = new Observations(labelValue, this.#buckets);
			this.#byLabel.set(labelValue, observations);
		}
		return observations;
	}
}

/** prom-client 15's per-label-set record of a histogram (`hashMap` values); no public API sets one. */
interface HistogramEntry {
	labels: Record<string, string>;
	bucketValues: Record<number, number>;
	sum: number;
	count: number;
}

/**
 * Sets a label set's buckets, sum and count: `zero` creates its entry, which is then filled in place. prom-client
 * has no setter for histograms; test/server/metric-counts.test.ts checks what both of the registry's outputs show.
 */
function copyInto(histogram: Histogram, labels: Record<string, string>, { upperBounds, bucketCounts, sum, count }: Observations): void {
	histogram.zero(labels);
	const entries = Object.values((histogram as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap);
	const entry = entries.find((candidate) => Object.keys(labels).every((name) => candidate.labels[name] === labels[name]));
	if (entry === undefined) return;
	for (let index = 0; index < upperBounds.length; index++) entry.bucketValues[upperBounds[index] as number] = bucketCounts[index] as number;
	entry.sum = sum;
	entry.count = count;
}
