import { measureStoreMemory } from './memory.js';

// Started by `measureStoreMemoryInChild` with --expose-gc; prints the measurement as JSON.
const [sessions = '1000000', segmentsPerSession = '5'] = process.argv.slice(2);
process.stdout.write(`${JSON.stringify(await measureStoreMemory(Number(sessions), Number(segmentsPerSession)))}\n`);
