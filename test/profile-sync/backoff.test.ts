import { describe, expect, it } from 'vitest';
import {
	defaultBackoffPolicy,
	parseRetryAfter,
	resolveBackoffPolicy,
	retryAfterSeconds,
	retryAfterWindowSeconds,
	retryDelayMs,
	sleep,
} from '../../server/utils/backoff.js';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

describe('retryDelayMs', () => {
	it('doubles the ceiling with each retry and never exceeds maxDelayMs', () => {
		const highest = () => 0.999_999;
		expect(retryDelayMs(1, policy, undefined, highest)).toBe(99);
		expect(retryDelayMs(2, policy, undefined, highest)).toBe(199);
		expect(retryDelayMs(3, policy, undefined, highest)).toBe(399);
		expect(retryDelayMs(10, policy, undefined, highest)).toBe(999);
	});

	it('spreads delays between zero and the ceiling (full jitter)', () => {
		expect(retryDelayMs(3, policy, undefined, () => 0)).toBe(0);
		expect(retryDelayMs(3, policy, undefined, () => 0.5)).toBe(200);
	});

	it('never waits less than the server asked for with Retry-After', () => {
		expect(retryDelayMs(1, policy, 2_000, () => 0.5)).toBe(2_000);
		expect(retryDelayMs(4, policy, 10, () => 0.5)).toBe(400);
	});
});

describe('parseRetryAfter', () => {
	it('reads delay-seconds as milliseconds', () => {
		expect(parseRetryAfter('3')).toBe(3_000);
		expect(parseRetryAfter(' 0 ')).toBe(0);
	});

	it('reads an HTTP date relative to now, and a past date as zero', () => {
		const now = Date.parse('2025-01-01T00:00:00Z');
		expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
		expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
	});

	it('holds what BlueConic asks for to the 300 s window, however far off it is', () => {
		const now = Date.parse('2025-01-01T00:00:00Z');
		expect(parseRetryAfter('300', now)).toBe(300_000);
		expect(parseRetryAfter('86400', now)).toBe(300_000);
		expect(parseRetryAfter('Thu, 01 Jan 2099 00:00:00 GMT', now)).toBe(300_000);
		expect(parseRetryAfter('9'.repeat(400), now)).toBe(300_000);
		expect(parseRetryAfter('Wed, 01 Jan 2025 00:04:00 GMT', now)).toBe(240_000);
	});

	it('ignores absent and unreadable values', () => {
		expect(parseRetryAfter(null)).toBeUndefined();
		expect(parseRetryAfter(undefined)).toBeUndefined();
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(parseRetryAfter('1.5')).toBeUndefined();
		expect(parseRetryAfter('-3')).toBeUndefined();
		expect(parseRetryAfter('-86400')).toBeUndefined();
		expect(parseRetryAfter('')).toBeUndefined();
		expect(parseRetryAfter('Infinity')).toBeUndefined();
		expect(parseRetryAfter('1e9')).toBeUndefined();
		expect(parseRetryAfter('x'.repeat(10_000))).toBeUndefined();
	});
});

describe('retryAfterSeconds', () => {
	it('rounds up to whole seconds and is at least one', () => {
		expect(retryAfterSeconds(0)).toBe('1');
		expect(retryAfterSeconds(1_001)).toBe('2');
		expect(retryAfterSeconds(30_000)).toBe('30');
	});

	it('always sends whole seconds from 1 to 300, never a date, a fraction or Infinity', () => {
		const sent = [86_400_000, 2_274_752_563_000, Number.POSITIVE_INFINITY, Number.NaN, -5_000, Number.NEGATIVE_INFINITY, 0.4, 299_999.5].map(retryAfterSeconds);
		expect(sent).toEqual(['300', '300', '300', '300', '1', '1', '1', '300']);
		expect(retryAfterWindowSeconds).toEqual({ min: 1, max: 300 });
	});
});

describe('resolveBackoffPolicy', () => {
	it('fills in defaults for fields not given', () => {
		expect(resolveBackoffPolicy({ maxAttempts: 2 })).toEqual({ ...defaultBackoffPolicy, maxAttempts: 2 });
	});

	it('refuses nonsensical options, naming the option', () => {
		expect(() => resolveBackoffPolicy({ maxAttempts: 0 })).toThrow('retry.maxAttempts');
		expect(() => resolveBackoffPolicy({ baseDelayMs: -1 })).toThrow('retry.baseDelayMs');
		expect(() => resolveBackoffPolicy({ baseDelayMs: 500, maxDelayMs: 100 })).toThrow('retry.maxDelayMs');
	});
});

describe('sleep', () => {
	it('stops waiting as soon as its signal aborts', async () => {
		const controller = new AbortController();
		const started = Date.now();
		const waiting = sleep(10_000, controller.signal);
		controller.abort(new Error('stop'));
		await expect(waiting).rejects.toThrow('stop');
		expect(Date.now() - started).toBeLessThan(1_000);
	});
});
