import { acceptedProfileStates } from '../../blueconic/profile-entry.js';
import type { SyncUser } from '../sync-user.js';
import type { UserSyncResult } from '../sync-users.js';
import { readUserRecord } from '../user-input.js';
import type { LineBatch } from './input-lines.js';
import type { RejectRecord } from './rejects-file.js';

/**
 * Tallies of a backfill, added up batch by batch. Every line read counts in exactly one of `accepted`, `rejected`
 * and `ignored` (blank lines in none).
 */
export interface BackfillCounts {
	/** Lines whose profile BlueConic stored: CREATED, MODIFIED or UNCHANGED. */
	accepted: number;
	/** Of the accepted lines, those stored without attributes that did not fit their type (`invalid_attributes`). */
	acceptedWithoutSomeAttributes: number;
	/** Lines not stored: not JSON, not a user, no usable email, no consent, or BlueConic did not accept them. */
	rejected: number;
	/** Events that are not user creations or updates (DELETE_USER, ...), acknowledged and not sent. */
	ignored: number;
	/** The accepted lines by BlueConic's state. */
	byState: Record<string, number>;
	/** The rejected lines by reason; those BlueConic did not accept by its state (CONSENT_MISMATCH, ...). */
	byRejectReason: Record<string, number>;
}

export function emptyCounts(): BackfillCounts {
	return { accepted: 0, acceptedWithoutSomeAttributes: 0, rejected: 0, ignored: 0, byState: {}, byRejectReason: {} };
}

export function addCounts(total: BackfillCounts, batch: BackfillCounts): void {
	total.accepted += batch.accepted;
	total.acceptedWithoutSomeAttributes += batch.acceptedWithoutSomeAttributes;
	total.rejected += batch.rejected;
	total.ignored += batch.ignored;
	addTally(total.byState, batch.byState);
	addTally(total.byRejectReason, batch.byRejectReason);
}

function addTally(total: Record<string, number>, batch: Readonly<Record<string, number>>): void {
	for (const [key, count] of Object.entries(batch)) total[key] = (total[key] ?? 0) + count;
}

function countOne(tally: Record<string, number>, key: string): void {
	tally[key] = (tally[key] ?? 0) + 1;
}

/** A batch's lines read into users to send, and the lines refused before sending. */
export interface ReadBatch {
	readonly users: SyncUser[];
	/** The input line of each user, same order. */
	readonly userLines: number[];
	readonly rejects: RejectRecord[];
	ignored: number;
}

/** Parses each line (either input form); a line that is not JSON or not a user is rejected, not fatal. */
export function readBatch(batch: LineBatch): ReadBatch {
	const read: ReadBatch = { users: [], userLines: [], rejects: [], ignored: 0 };
	for (const { number, text } of batch.lines) {
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch (error) {
			read.rejects.push({ line: number, reason: 'invalid_json', message: (error as Error).message });
			continue;
		}
		const record = readUserRecord(value);
		if (record.status === 'malformed') read.rejects.push({ line: number, reason: 'malformed', message: record.message });
		else if (record.status === 'ignored') read.ignored++;
		else {
			read.users.push(record.user);
			read.userLines.push(number);
		}
	}
	return read;
}

/**
 * Turns BlueConic's per-user results into counts and reject records. A line sent without some attributes is stored
 * and also in the rejects file (so the operator can fix its values), but counted once: as accepted.
 */
export function settleBatch(read: ReadBatch, results: readonly UserSyncResult[]): { counts: BackfillCounts; rejects: RejectRecord[] } {
	const counts = emptyCounts();
	counts.ignored = read.ignored;
	const rejects = [...read.rejects];
	for (const reject of read.rejects) countOne(counts.byRejectReason, reject.reason);
	for (const [index, result] of results.entries()) {
		const line = read.userLines[index] as number;
		if (result.status === 'rejected') {
			rejects.push({ line, ...(result.email ? { email: result.email } : {}), reason: result.reason, message: result.message });
			countOne(counts.byRejectReason, result.reason);
		} else if (result.status === 'skipped') {
			rejects.push({ line, email: result.email, reason: 'consent', message: 'the consent attribute is not true' });
			countOne(counts.byRejectReason, 'consent');
		} else if (!acceptedProfileStates.has(result.state)) {
			rejects.push({ line, email: result.email, reason: 'not_accepted', state: result.state, validationErrors: result.validationErrors });
			countOne(counts.byRejectReason, result.state);
		} else {
			counts.accepted++;
			countOne(counts.byState, result.state);
			if (result.attributeIssues.length > 0) {
				counts.acceptedWithoutSomeAttributes++;
				rejects.push({ line, email: result.email, reason: 'invalid_attributes', state: result.state, skippedAttributes: result.attributeIssues });
			}
		}
	}
	counts.rejected = Object.values(counts.byRejectReason).reduce((total, count) => total + count, 0);
	return { counts, rejects: rejects.sort((a, b) => a.line - b.line) };
}
