import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProfileSync, type ProfileSync, type SyncUser } from '../../server/profile-sync/index.js';
import { type FakeBlueConic, startFakeBlueConic } from '../fakes/blueconic-rest.js';
import { blueconicConfigFor, newRegistry, profileMapping, profileWrites, tokenRequests } from './helpers.js';

// ProfileSync.abort(), called at a shutdown's deadline: every BlueConic request and retry wait in flight stops at
// once, the syncs waiting on them fail with a 503 their webhooks pass on, and nothing more is sent.

const shuttingDown = { status: 503, code: 'shutting_down', headers: { 'Retry-After': expect.any(String) } };
const user: SyncUser = { email: 'jane@example.com', trackingId: undefined, userId: undefined, attributes: {} };

describe('ProfileSync.abort()', () => {
	let fake: FakeBlueConic;
	let profileSync: ProfileSync;

	beforeEach(async () => {
		fake = await startFakeBlueConic();
		profileSync = createProfileSync({
			// Long timeouts and waits: only the abort can end these syncs within a test.
			blueconic: blueconicConfigFor(fake, { timeoutMs: 60_000 }),
			profileMapping,
			registry: newRegistry(),
			client: { retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, maxRetryAfterMs: 120_000 }, random: () => 1 },
		});
	});
	afterEach(async () => {
		await profileSync.close();
		await fake.close();
	});

	it('aborts a profiles request BlueConic is slow to answer', async () => {
		fake.inject({ kind: 'delay', delayMs: 60_000 });
		const sync = profileSync.syncUsers([user]);
		await expect.poll(() => fake.stats.inFlight).toBe(1);
		profileSync.abort();
		await expect(sync).rejects.toMatchObject(shuttingDown);
		await expect.poll(() => fake.stats.inFlight).toBe(0);
		expect(profileWrites(fake)).toHaveLength(1);
	});

	it('aborts the wait before a retry, and sends nothing more', async () => {
		fake.inject({ kind: 'status', status: 503, times: Infinity });
		const sync = profileSync.syncUsers([user]);
		await expect.poll(() => profileWrites(fake).length).toBe(1);
		profileSync.abort();
		await expect(sync).rejects.toMatchObject(shuttingDown);
		expect(profileWrites(fake)).toHaveLength(1);
	});

	it('aborts a token request in flight, and no profiles request follows', async () => {
		fake.inject({ kind: 'delay', delayMs: 60_000, target: 'token' });
		const sync = profileSync.syncUsers([user]);
		await expect.poll(() => fake.stats.inFlight).toBe(1);
		profileSync.abort();
		await expect(sync).rejects.toMatchObject(shuttingDown);
		await expect.poll(() => fake.stats.inFlight).toBe(0);
		expect(tokenRequests(fake)).toHaveLength(1);
		expect(profileWrites(fake)).toHaveLength(0);
	});

	it('refuses new work afterwards, webhooks included, without calling BlueConic', async () => {
		profileSync.abort();
		await expect(profileSync.syncUsers([user])).rejects.toMatchObject(shuttingDown);
		expect(await profileSync.handleWebhook(user)).toMatchObject({ status: 503, body: { error: { code: 'shutting_down' } } });
		expect(fake.requests).toHaveLength(0);
	});

	it('passes the 503 on to a webhook waiting on BlueConic', async () => {
		fake.inject({ kind: 'delay', delayMs: 60_000 });
		const answer = profileSync.handleWebhook(user);
		await expect.poll(() => fake.stats.inFlight).toBe(1);
		profileSync.abort();
		// The webhook rethrows what is not a BlueConic failure; the collector's error handler answers it.
		await expect(answer).rejects.toMatchObject(shuttingDown);
	});
});
