import { randomUUID } from 'node:crypto';
import { RateLimit } from '../../server/http/rate-limit.js';
import { ReportWaiters } from '../../server/store/report-waiters.js';
import { sessionKeyOf } from '../../server/store/session-key.js';

/**
 * Started by test/server/memory-bounds.test.ts with --expose-gc, so that nothing else is on the heap it measures:
 * `windows N` fills a rate limiter tracking N windows (past N sessions: it stays at N), `waiters N` holds N
 * report waiters, each of its own session. Prints `{ count, heldBytes }` as JSON.
 */
function heapNow(): number {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('run with --expose-gc');
	gc();
	gc();
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

const [kind, countText = '0'] = process.argv.slice(2);
const count = Number(countText);
const before = heapNow();
let held: unknown;
if (kind === 'windows') {
	const limit = new RateLimit(60, count);
	// Twice as many sessions as it tracks: the least recently seen windows make room.
	for (let index = 0; index < 2 * count; index++) limit.take(sessionKeyOf(randomUUID()));
	held = limit;
} else {
	const waiters = new ReportWaiters(count);
	const waits = Array.from({ length: count }, () => waiters.wait(sessionKeyOf(randomUUID()), 600_000));
	// Past the bound, waiters are answered at once and hold nothing.
	for (let index = 0; index < count; index++) await waiters.wait(sessionKeyOf(randomUUID()), 600_000);
	held = { waiters, waits };
}
const heldBytes = heapNow() - before;
process.stdout.write(`${JSON.stringify({ count, heldBytes, bytesEach: heldBytes / count })}\n`);
(held as { waiters?: ReportWaiters }).waiters?.releaseAll();
