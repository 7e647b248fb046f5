import { randomUUID } from 'node:crypto';
import { RateLimit } from '../../server/http/rate-limit.js';
import { maxRecordedCookieLength, maxRecordedIdentityLength, maxRememberedReportLength, SessionRecords } from '../../server/sessions/session-records.js';
import { ReportWaiters } from '../../server/store/report-waiters.js';
import { sessionKeyOf } from '../../server/store/session-key.js';

/**
 * Started by test/server/memory-bounds.test.ts with --expose-gc, so that nothing else is on the heap it measures:
 * `windows N` fills a rate limiter tracking N windows (past N sessions: it stays at N), `waiters N` holds N
 * report waiters, each of its own session, `records N` fills N hot-path session records at their largest (past N
 * cookies: it stays at N). Prints `{ count, heldBytes }` as JSON.
 */
function heapNow(): number {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('run with --expose-gc');
	gc();
	gc();
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

function flat(text: string): string {
	return Buffer.from(text, 'utf8').toString('utf8');
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
} else if (kind === 'records') {
	const records = new SessionRecords(count);
	// Every part at its bound: two-byte cookies and identities (a character past Latin-1), the longest body kept.
	const third = Math.floor(maxRecordedIdentityLength / 3);
	const body = Buffer.from(`[${'"x",'.repeat(maxRememberedReportLength)}`.slice(0, maxRememberedReportLength - 1) + ']');
	// The store's array, which the record does not keep alive: one for all, as every empty report shares one.
	const heldByStore: readonly string[] = [];
	for (let index = 0; index < 2 * count; index++) {
		const unique = `€${index}-${randomUUID()}`;
		// Flat, as cookies and identities parsed from a request or an answer are (padEnd may make a cons string).
		const cookie = flat(unique.padEnd(maxRecordedCookieLength, '€'));
		const identity = { email: flat(unique.padEnd(third, '€')), trackingId: flat(unique.padEnd(third, '€')), userId: flat(unique.padEnd(third, '€')) };
		const record = records.remember(cookie, sessionKeyOf(unique), identity, Date.now() + 3_600_000);
		if (record === undefined) throw new Error('a record at its bounds was refused');
		record.rememberReport(body, body.toString('utf8'), heldByStore);
	}
	held = { records, heldByStore };
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
