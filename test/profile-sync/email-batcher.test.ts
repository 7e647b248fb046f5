import { describe, expect, it } from 'vitest';
import { EmailBatcher } from '../../server/profile-sync/queue/email-batcher.js';
import type { EmailOutcome } from '../../server/profile-sync/queue/send-batch.js';

/** A batcher whose sends wait until the test releases them, recording every batch. */
function controlledBatcher(options: { maxInFlight?: number; lingerMs?: number } = {}) {
	const batches: string[][] = [];
	const releases: (() => void)[] = [];
	let inFlight = 0;
	let mostInFlight = 0;
	const batcher = new EmailBatcher({
		maxEmails: 1000,
		lingerMs: options.lingerMs ?? 10,
		maxInFlight: options.maxInFlight ?? 2,
		send: (digests) => {
			batches.push([...digests]);
			mostInFlight = Math.max(mostInFlight, ++inFlight);
			return new Promise((resolve) => {
				releases.push(() => {
					inFlight--;
					resolve(new Map<string, EmailOutcome>(digests.map((digest) => [digest, { kind: 'covered' }])));
				});
			});
		},
	});
	return { batcher, batches, releaseAll: () => releases.splice(0).forEach((release) => release()), mostInFlight: () => mostInFlight };
}

describe('the email batcher', () => {
	it('sends many emails in batches of at most 1000, no more batches at once than allowed', async () => {
		const { batcher, batches, releaseAll, mostInFlight } = controlledBatcher();
		const outcomes = Array.from({ length: 2500 }, (_, index) => batcher.submit(`email-${index}`));
		await expect.poll(() => batches.length).toBe(2);
		expect(batches.map((batch) => batch.length)).toEqual([1000, 1000]);
		releaseAll();
		await expect.poll(() => batches.length).toBe(3);
		releaseAll();
		expect(await Promise.all(outcomes)).toHaveLength(2500);
		expect(batches.map((batch) => batch.length)).toEqual([1000, 1000, 500]);
		expect(mostInFlight()).toBe(2);
	});

	it('never puts an email into a second batch while a first one is sending it, and gives its jobs one outcome', async () => {
		const { batcher, batches, releaseAll } = controlledBatcher();
		const first = batcher.submit('jane');
		await expect.poll(() => batches.length).toBe(1);
		const again = [batcher.submit('jane'), batcher.submit('jane'), batcher.submit('bob')];
		await expect.poll(() => batches.length).toBe(2);
		expect(batches[1]).toEqual(['bob']);
		releaseAll();
		await first;
		await expect.poll(() => batches.length).toBe(3);
		expect(batches[2]).toEqual(['jane']);
		releaseAll();
		await expect.poll(() => batches.length).toBe(3);
		releaseAll();
		expect(await Promise.all(again)).toEqual([{ kind: 'covered' }, { kind: 'covered' }, { kind: 'covered' }]);
	});

	it('sends a batch that is not full once it has lingered, and at once when draining', async () => {
		const { batcher, batches, releaseAll } = controlledBatcher({ lingerMs: 60_000 });
		void batcher.submit('jane');
		await new Promise((resolve) => setImmediate(resolve));
		expect(batches).toHaveLength(0);
		batcher.drain();
		expect(batches).toEqual([['jane']]);
		void batcher.submit('bob');
		expect(batches).toEqual([['jane'], ['bob']]);
		releaseAll();
	});

	it('answers every email of a batch whose send failed with a retry', async () => {
		const batcher = new EmailBatcher({ maxEmails: 1000, lingerMs: 1, maxInFlight: 1, send: () => Promise.reject(new Error('Redis went away')) });
		expect(await batcher.submit('jane')).toEqual({ kind: 'retry', message: 'Redis went away' });
	});
});
