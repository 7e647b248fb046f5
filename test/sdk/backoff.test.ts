import { afterEach, describe, expect, test, vi } from 'vitest';
import { retryDelay, retryableStatus } from '../../sdk/backoff.js';

afterEach(() => {
	vi.restoreAllMocks();
	vi.useRealTimers();
});

describe('retryableStatus', () => {
	test('matches no answer, 5xx, 408 and 429, and no other status', () => {
		const retryable = (status: number): boolean => retryableStatus.test(String(status));
		for (const status of [0, 500, 502, 503, 504, 599, 408, 429]) expect(retryable(status)).toBe(true);
		for (const status of [200, 204, 301, 400, 401, 403, 404, 405, 413, 422, 450]) expect(retryable(status)).toBe(false);
	});
});

describe('retryDelay', () => {
	test('honours Retry-After in seconds', () => {
		expect(retryDelay(1, '3', 1000, 30_000)).toBe(3000);
		expect(retryDelay(4, '0', 1000, 30_000)).toBe(0);
	});

	test('honours Retry-After as an HTTP date, a past one meaning now', () => {
		vi.useFakeTimers({ now: Date.parse('Wed, 21 Oct 2015 07:28:00 GMT') });
		expect(retryDelay(1, 'Wed, 21 Oct 2015 07:28:05 GMT', 1000, 30_000)).toBe(5000);
		expect(retryDelay(1, 'Wed, 21 Oct 2015 07:00:00 GMT', 1000, 30_000)).toBe(0);
	});

	test('backs off exponentially without a usable Retry-After, between half and all of the step', () => {
		vi.spyOn(Math, 'random').mockReturnValue(0);
		expect([1, 2, 3].map((retry) => retryDelay(retry, null, 1000, 30_000))).toEqual([500, 1000, 2000]);
		vi.spyOn(Math, 'random').mockReturnValue(1);
		expect([1, 2, 3].map((retry) => retryDelay(retry, 'soon', 1000, 30_000))).toEqual([1000, 2000, 4000]);
		expect(retryDelay(2, '', 1000, 30_000)).toBe(2000);
	});

	test('never backs off longer than the maximum', () => {
		vi.spyOn(Math, 'random').mockReturnValue(1);
		expect(retryDelay(20, undefined, 1000, 30_000)).toBe(30_000);
	});
});
