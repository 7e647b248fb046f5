import { measureLargestReports, measureStoreMemory } from './memory.js';

// Started by `measureInChild` (memory.ts) with --expose-gc; prints the measurement as JSON.
const [kind, first = '', second = ''] = process.argv.slice(2);
const measurement =
	kind === 'largest'
		? await measureLargestReports(Number(first), Number(second))
		: await measureStoreMemory(Number(first || 1_000_000), Number(second || 5));
process.stdout.write(`${JSON.stringify(measurement)}\n`);
