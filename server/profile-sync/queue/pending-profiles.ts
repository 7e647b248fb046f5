import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ProfilePropertyWrite } from '../../blueconic/profile-entry.js';
import { pendingProfileKey, updateSequenceKey } from './keys.js';

/**
 * What is still to be sent to BlueConic for each email, one Redis hash per email: the properties of every update not
 * yet delivered, merged (a later update's value wins per property, exactly as sending the updates one after the
 * other would leave the profile), the sequence number of the latest update merged in, and, while a batch is sending
 * it, that batch's lease. Jobs in the BullMQ queue say "this email has something pending"; the hash says what.
 *
 * Why both: a job can be retried, delayed or replayed from the failed set long after a newer update of the same
 * email was enqueued. Sending what the job held then would overwrite newer data with older. Sending the merged hash
 * instead always sends the latest, and a job that finds nothing pending knows another job delivered its update.
 * The lease keeps two batches (two workers, or one worker's two batches) from sending one email at once, which
 * could let the older send land last.
 *
 * Hash fields: `seq`, `email`, `p:<propertyId>` (the property write as JSON), `lock` and `lockUntil` (Redis time, ms).
 */

/** One email's part of an enqueued request: its merged properties, or a consent withdrawal that cancels it. */
export type PendingUpdate =
	| { readonly kind: 'merge'; readonly digest: string; readonly email: string; readonly properties: readonly ProfilePropertyWrite[] }
	| { readonly kind: 'cancel'; readonly digest: string };

export type PendingClaim =
	| {
			readonly status: 'claimed';
			readonly digest: string;
			/** The sequence number of the latest update in what was claimed; delivering it settles every older one. */
			readonly seq: number;
			readonly email: string;
			readonly properties: readonly ProfilePropertyWrite[];
	  }
	/** Another batch holds the email's lease; try again in `retryInMs`. */
	| { readonly status: 'busy'; readonly digest: string; readonly retryInMs: number }
	/** Nothing pending: an earlier send delivered it, or a consent withdrawal (or a purge) cancelled it. */
	| { readonly status: 'empty'; readonly digest: string };

/** How a claimed email's send ended: delivered (up to `seq`) or not (the lease is released, the data kept). */
export interface PendingSettlement {
	readonly digest: string;
	readonly deliveredSeq: number | undefined;
}

/** A Lua script run by its SHA-1 (EVALSHA), sent in full only when Redis does not have it yet (a restart, a new server). */
class LuaScript {
	readonly #source: string;
	readonly #sha: string;

	constructor(source: string) {
		this.#source = source;
		this.#sha = createHash('sha1').update(source).digest('hex');
	}

	async run(connection: Redis, keys: readonly string[], args: readonly string[]): Promise<unknown> {
		try {
			return await connection.evalsha(this.#sha, keys.length, ...keys, ...args);
		} catch (error) {
			if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
			return connection.eval(this.#source, keys.length, ...keys, ...args);
		}
	}
}

// KEYS[1]: the sequence counter; KEYS[2..]: one pending hash per email. ARGV, per email: kind, email, n, then n
// (propertyId, write JSON) pairs. Returns the sequence number given to the first email (the others follow on).
const mergeScript = new LuaScript(`
local count = #KEYS - 1
local first = redis.call('INCRBY', KEYS[1], count) - count + 1
local a = 1
for i = 2, #KEYS do
  local key, kind, email, n = KEYS[i], ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  a = a + 3
  if kind == 'merge' then
    local fields = { 'seq', first + i - 2, 'email', email }
    for j = 0, n - 1 do
      fields[#fields + 1] = 'p:' .. ARGV[a + 2 * j]
      fields[#fields + 1] = ARGV[a + 2 * j + 1]
    end
    redis.call('HSET', key, unpack(fields))
  else
    local lease = redis.call('HMGET', key, 'lock', 'lockUntil')
    redis.call('DEL', key)
    if lease[1] then redis.call('HSET', key, 'lock', lease[1], 'lockUntil', lease[2]) end
  end
  a = a + 2 * n
end
return first
`);

// KEYS: pending hashes. ARGV[1]: the batch's token, ARGV[2]: lease in ms. Per key: {'claimed', seq, email, writes...},
// {'busy', ms}, or {'empty'}. A key left with only a lapsed lease is removed.
const claimScript = new LuaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local out = {}
for i, key in ipairs(KEYS) do
  local head = redis.call('HMGET', key, 'lock', 'lockUntil', 'seq', 'email')
  local lock, lockUntil, seq = head[1], tonumber(head[2] or '0'), head[3]
  if lock and lock ~= ARGV[1] and lockUntil > now then
    out[i] = { 'busy', lockUntil - now }
  elseif not seq then
    if lock and lockUntil <= now then redis.call('DEL', key) end
    out[i] = { 'empty' }
  else
    redis.call('HSET', key, 'lock', ARGV[1], 'lockUntil', now + tonumber(ARGV[2]))
    local claim = { 'claimed', seq, head[4] }
    local fields = redis.call('HGETALL', key)
    for j = 1, #fields, 2 do
      if string.sub(fields[j], 1, 2) == 'p:' then claim[#claim + 1] = fields[j + 1] end
    end
    out[i] = claim
  end
end
return out
`);

// KEYS: pending hashes. ARGV[1]: the batch's token; ARGV[1 + i]: the delivered sequence number, or '' when not
// delivered. Delivered and still at that sequence: the data goes (a newer update merged meanwhile stays for its own
// job). The lease is released if it is still ours; another batch's lease is left alone.
const settleScript = new LuaScript(`
for i, key in ipairs(KEYS) do
  local head = redis.call('HMGET', key, 'lock', 'lockUntil', 'seq')
  local mine = head[1] == ARGV[1]
  if ARGV[i + 1] ~= '' and head[3] == ARGV[i + 1] then
    redis.call('DEL', key)
    if head[1] and not mine then redis.call('HSET', key, 'lock', head[1], 'lockUntil', head[2]) end
  elseif mine then
    redis.call('HDEL', key, 'lock', 'lockUntil')
  end
end
return #KEYS
`);

// KEYS: pending hashes; ARGV[i]: a sequence number. Drops what is pending for the email unless a newer update
// (which has its own job) was merged in after it; a lease in force stays.
const dropScript = new LuaScript(`
for i, key in ipairs(KEYS) do
  local head = redis.call('HMGET', key, 'lock', 'lockUntil', 'seq')
  if head[3] and tonumber(head[3]) <= tonumber(ARGV[i]) then
    redis.call('DEL', key)
    if head[1] then redis.call('HSET', key, 'lock', head[1], 'lockUntil', head[2]) end
  end
end
return #KEYS
`);

export class PendingProfiles {
	readonly #connection: Redis;
	readonly #keyPrefix: string;

	constructor(connection: Redis, keyPrefix: string) {
		this.#connection = connection;
		this.#keyPrefix = keyPrefix;
	}

	/**
	 * Merges one request's updates, one per email, in one atomic step; resolves with the sequence number of the first
	 * (the others follow in order).
	 */
	async merge(updates: readonly PendingUpdate[]): Promise<number> {
		const args: string[] = [];
		for (const update of updates) {
			if (update.kind === 'cancel') {
				args.push('cancel', '', '0');
				continue;
			}
			args.push('merge', update.email, String(update.properties.length));
			for (const property of update.properties) args.push(property.id, JSON.stringify(property));
		}
		const keys = [updateSequenceKey(this.#keyPrefix), ...updates.map((update) => this.#key(update.digest))];
		return Number(await mergeScript.run(this.#connection, keys, args));
	}

	/** Leases what is pending for these emails to the batch `token` for `leaseMs`, and reads it. */
	async claim(digests: readonly string[], token: string, leaseMs: number): Promise<PendingClaim[]> {
		if (digests.length === 0) return [];
		const keys = digests.map((digest) => this.#key(digest));
		const replies = (await claimScript.run(this.#connection, keys, [token, String(Math.ceil(leaseMs))])) as unknown[][];
		return digests.map((digest, index) => readClaim(digest, replies[index] ?? []));
	}

	/** Records how the batch `token`'s sends ended and releases its leases. */
	async settle(settlements: readonly PendingSettlement[], token: string): Promise<void> {
		if (settlements.length === 0) return;
		const keys = settlements.map((settlement) => this.#key(settlement.digest));
		const seqs = settlements.map((settlement) => (settlement.deliveredSeq === undefined ? '' : String(settlement.deliveredSeq)));
		await settleScript.run(this.#connection, keys, [token, ...seqs]);
	}

	/** Forgets what is pending for these emails up to each one's sequence number (purging failed jobs). */
	async drop(entries: readonly { digest: string; seq: number }[]): Promise<void> {
		if (entries.length === 0) return;
		const keys = entries.map((entry) => this.#key(entry.digest));
		await dropScript.run(this.#connection, keys, entries.map((entry) => String(entry.seq)));
	}

	#key(digest: string): string {
		return pendingProfileKey(this.#keyPrefix, digest);
	}
}

function readClaim(digest: string, reply: unknown[]): PendingClaim {
	const [status, ...rest] = reply;
	if (status === 'busy') return { status: 'busy', digest, retryInMs: Number(rest[0]) };
	if (status !== 'claimed') return { status: 'empty', digest };
	const [seq, email, ...writes] = rest;
	return {
		status: 'claimed',
		digest,
		seq: Number(seq),
		email: String(email),
		properties: writes.map((write) => JSON.parse(String(write)) as ProfilePropertyWrite),
	};
}
