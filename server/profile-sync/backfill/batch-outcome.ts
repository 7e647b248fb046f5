import { acceptedProfileStates } from '../../blueconic/profile-entry.js';
import type { SyncUser } from '../sync-user.js';
import type { UserSyncResult } from '../sync-users.js';
import { readUserRecord } from '../user-input.js';
import type { LineBatch } from './input-lines.js';
import type { RejectRecord } from './rejects-file.js';

/** Tallies of a backfill, added up batch by batch. */
export interface BackfillCounts {
	/** Profiles BlueConic answered CREATED, MODIFIED or UNCHANGED for. */
	accepted: number;
	/** Lines written to the rejects file (not sent, refused by BlueConic, or sent without some attributes). */
	rejected: number;
	/** Events that are not user creations or updates (DELETE_USER, ...), acknowledged and not sent. */
	ignored: number;
	/** BlueConic's answers by state. */
	byState: Record<string, number>;
}

export function emptyCounts(): BackfillCounts {
	return { accepted: 0, rejected: 0, ignored: 0, byState: {} };
}

export function addCounts(total: BackfillCounts, batch: BackfillCounts): void {
	total.accepted += batch.accepted;
	total.rejected += batch.rejected;
	total.ignored += batch.ignored;
	for (const [state, count] of Object.entries(batch.byState)) total.byState[state] = (total.byState[state] ?? 0) + count;
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

/** Turns BlueConic's per-user results into counts and reject records. */
export function settleBatch(read: ReadBatch, results: readonly UserSyncResult[]): { counts: BackfillCounts; rejects: RejectRecord[] } {
	const counts = emptyCounts();
	counts.ignored = read.ignored;
	const rejects = [...read.rejects];
	for (const [index, result] of results.entries()) {
		const line = read.userLines[index] as number;
		if (result.status === 'rejected') {
			rejects.push({ line, ...(result.email ? { email: result.email } : {}), reason: result.reason, message: result.message });
		} else if (result.status === 'skipped') {
			rejects.push({ line, email: result.email, reason: 'consent', message: 'the consent attribute is not true' });
		} else {
			counts.byState[result.state] = (counts.byState[result.state] ?? 0) + 1;
			if (!acceptedProfileStates.has(result.state)) {
				rejects.push({ line, email: result.email, reason: 'not_accepted', state: result.state, validationErrors: result.validationErrors });
				continue;
			}
			counts.accepted++;
			if (result.attributeIssues.length > 0) {
				rejects.push({ line, email: result.email, reason: 'invalid_attributes', state: result.state, skippedAttributes: result.attributeIssues });
			}
		}
	}
	counts.rejected = rejects.length;
	return { counts, rejects: rejects.sort((a, b) => a.line - b.line) };
}
