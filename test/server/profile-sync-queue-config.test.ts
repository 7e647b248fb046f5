import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { loadQueueCommandConfig } from '../../server/config/queue-command-config.js';
import { testConfig } from './collector-fixture.js';

let directory: string;
beforeAll(async () => {
	directory = await mkdtemp(join(tmpdir(), 'bcb-queue-config-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('the profile-sync queue settings', () => {
	it('default to a worker inside serve and retries over minutes', () => {
		const { profileSync } = parseConfig(testConfig());
		expect(profileSync.worker).toBe(true);
		expect(profileSync.queue).toEqual({
			retry: { maxAttempts: 20, baseDelayMs: 1_000, maxDelayMs: 600_000 },
			batchLingerMs: 50,
			batchesInFlight: 2,
			stalledAfterSeconds: 30,
		});
	});

	it('are checked, each error naming its field', () => {
		const config = testConfig({
			profileSync: { worker: 'no' as unknown as boolean, queue: { retry: { baseDelayMs: 5_000, maxDelayMs: 1_000 }, batchLingerMs: -1, typo: 1 } as never },
		});
		expect(() => parseConfig(config)).toThrow(
			expect.objectContaining({
				problems: expect.arrayContaining([
					'profileSync.worker: Invalid input: expected boolean, received string',
					'profileSync.queue.retry.maxDelayMs: must be at least baseDelayMs',
					'profileSync.queue.batchLingerMs: Too small: expected number to be >=0',
					'profileSync.queue.typo: is not a known field',
				]),
			}),
		);
	});
});

describe('the configuration of the queue commands', () => {
	it('reads only store, blueconic, profileMapping and profileSync, so a worker needs no collector sections', async () => {
		const path = join(directory, 'worker.json');
		await writeFile(
			path,
			JSON.stringify({
				store: { type: 'redis', url: 'env:REDIS_URL' },
				blueconic: { baseUrl: 'https://tenant.blueconic.net', clientId: 'id', clientSecret: 'env:BC_SECRET' },
				// A collector section naming a variable this process does not have: not read, so not an error.
				session: { validate: { type: 'signed', secret: 'env:SESSION_SECRET' } },
			}),
		);
		const config = await loadQueueCommandConfig(path, { REDIS_URL: 'redis://127.0.0.1:6390', BC_SECRET: 'secret' });
		expect(config.store).toEqual({ type: 'redis', url: 'redis://127.0.0.1:6390', keyPrefix: 'bcb:' });
		expect(config.blueconic?.clientSecret).toBe('secret');
		expect(config.profileSync.worker).toBe(true);
	});

	it('names what is missing or wrong in those sections', async () => {
		const path = join(directory, 'broken.json');
		await writeFile(path, JSON.stringify({ store: { type: 'redis', url: 'env:REDIS_URL' }, blueconic: { baseUrl: 'https://x.example' } }));
		await expect(loadQueueCommandConfig(path, {})).rejects.toMatchObject({
			problems: expect.arrayContaining(['store.url: environment variable REDIS_URL is not set', 'blueconic.clientId: is required (or consumerKey)']),
		});
		await expect(loadQueueCommandConfig(join(directory, 'missing.json'), {})).rejects.toMatchObject({
			problems: [`${join(directory, 'missing.json')}: cannot be read (ENOENT)`],
		});
	});
});
