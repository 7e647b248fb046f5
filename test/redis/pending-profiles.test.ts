import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfilePropertyWrite } from '../../server/blueconic/profile-entry.js';
import { emailDigest } from '../../server/profile-sync/queue/keys.js';
import { type PendingClaim, PendingProfiles } from '../../server/profile-sync/queue/pending-profiles.js';
import { freshKeyPrefix } from './profile-sync-queue-fixture.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let server: RedisServer;
let connection: Redis;

beforeAll(async () => {
	server = await startRedisServer();
	connection = new Redis(server.url);
});
afterAll(async () => {
	connection.disconnect();
	await server.stop();
});

const set = (id: string, value: string): ProfilePropertyWrite => ({ id, values: [value], strategy: 'SET' });
const jane = 'jane@example.com';
const janeDigest = emailDigest(jane);

function claimed(claim: PendingClaim | undefined) {
	if (claim?.status !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(claim)}`);
	return { seq: claim.seq, email: claim.email, properties: Object.fromEntries(claim.properties.map((write) => [write.id, write.values])) };
}

describe('pending profiles in Redis', () => {
	it('merges later updates of one email over earlier ones, property by property, and numbers them in order', async () => {
		const pending = new PendingProfiles(connection, freshKeyPrefix());
		const first = await pending.merge([{ kind: 'merge', digest: janeDigest, email: jane, properties: [set('email', jane), set('firstname', 'Jane'), set('age', '30')] }]);
		const second = await pending.merge([{ kind: 'merge', digest: janeDigest, email: jane, properties: [set('email', jane), set('firstname', 'Janet')] }]);
		expect(second).toBe(first + 1);
		const [claim] = await pending.claim([janeDigest], 'batch-1', 10_000);
		expect(claimed(claim)).toEqual({ seq: second, email: jane, properties: { email: [jane], firstname: ['Janet'], age: ['30'] } });
	});

	it('keeps an email claimed by one batch from another until the first settles, then hands it over', async () => {
		const pending = new PendingProfiles(connection, freshKeyPrefix());
		await pending.merge([{ kind: 'merge', digest: janeDigest, email: jane, properties: [set('email', jane)] }]);
		await pending.claim([janeDigest], 'batch-1', 10_000);
		const [busy] = await pending.claim([janeDigest], 'batch-2', 10_000);
		expect(busy).toMatchObject({ status: 'busy' });
		expect(busy?.status === 'busy' && busy.retryInMs).toBeGreaterThan(0);
		await pending.settle([{ digest: janeDigest, deliveredSeq: undefined }], 'batch-1');
		expect((await pending.claim([janeDigest], 'batch-2', 10_000))[0]?.status).toBe('claimed');
	});

	it('lets another batch take over an email whose lease has lapsed (a worker killed mid-send)', async () => {
		const pending = new PendingProfiles(connection, freshKeyPrefix());
		await pending.merge([{ kind: 'merge', digest: janeDigest, email: jane, properties: [set('email', jane)] }]);
		await pending.claim([janeDigest], 'killed-batch', 50);
		await expect.poll(async () => (await pending.claim([janeDigest], 'next-batch', 10_000))[0]?.status).toBe('claimed');
	});

	it('forgets a delivered update, but keeps one merged in while it was being sent for the next send', async () => {
		const pending = new PendingProfiles(connection, freshKeyPrefix());
		const bob = 'bob@example.com';
		const bobDigest = emailDigest(bob);
		await pending.merge([
			{ kind: 'merge', digest: janeDigest, email: jane, properties: [set('email', jane)] },
			{ kind: 'merge', digest: bobDigest, email: bob, properties: [set('email', bob), set('firstname', 'Bob')] },
		]);
		const claims = (await pending.claim([janeDigest, bobDigest], 'batch-1', 10_000)).map(claimed);
		// Bob changes his name while the batch is in flight.
		await pending.merge([{ kind: 'merge', digest: bobDigest, email: bob, properties: [set('email', bob), set('firstname', 'Robert')] }]);
		await pending.settle(
			claims.map((claim, index) => ({ digest: [janeDigest, bobDigest][index] as string, deliveredSeq: claim.seq })),
			'batch-1',
		);
		const [janeAfter, bobAfter] = await pending.claim([janeDigest, bobDigest], 'batch-2', 10_000);
		expect(janeAfter).toEqual({ status: 'empty', digest: janeDigest });
		expect(claimed(bobAfter).properties.firstname).toEqual(['Robert']);
	});

	it('cancels what is pending for an email when consent is withdrawn, keeping the lease of a send in flight', async () => {
		const pending = new PendingProfiles(connection, freshKeyPrefix());
		await pending.merge([{ kind: 'merge', digest: janeDigest, email: jane, properties: [set('email', jane)] }]);
		await pending.claim([janeDigest], 'batch-1', 10_000);
		await pending.merge([{ kind: 'cancel', digest: janeDigest }]);
		expect((await pending.claim([janeDigest], 'batch-2', 10_000))[0]?.status).toBe('busy');
		await pending.settle([{ digest: janeDigest, deliveredSeq: undefined }], 'batch-1');
		expect((await pending.claim([janeDigest], 'batch-2', 10_000))[0]).toEqual({ status: 'empty', digest: janeDigest });
	});

	it('drops a purged update unless a newer one of the same email is pending', async () => {
		const pending = new PendingProfiles(connection, freshKeyPrefix());
		const older = await pending.merge([{ kind: 'merge', digest: janeDigest, email: jane, properties: [set('email', jane)] }]);
		await pending.merge([{ kind: 'merge', digest: janeDigest, email: jane, properties: [set('email', jane), set('age', '31')] }]);
		await pending.drop([{ digest: janeDigest, seq: older }]);
		const [claim] = await pending.claim([janeDigest], 'batch-1', 10_000);
		expect(claimed(claim).properties.age).toEqual(['31']);
		await pending.settle([{ digest: janeDigest, deliveredSeq: undefined }], 'batch-1');
		await pending.drop([{ digest: janeDigest, seq: claimed(claim).seq }]);
		expect((await pending.claim([janeDigest], 'batch-1', 10_000))[0]?.status).toBe('empty');
	});
});
