import { describe, expect, test } from 'vitest';
import { optionDefaults, resolveOptions } from '../../sdk/options.js';

describe('resolveOptions', () => {
	test('refreshes well within the collector\'s default 30-minute ttl, and watches the session cookie by default', () => {
		expect(optionDefaults.refreshInterval).toBe(600_000);
		expect(optionDefaults.sessionCookie).toBe('blaize_session');
	});

	test('fills in every default', () => {
		expect(resolveOptions({})).toEqual({ ...optionDefaults, onError: undefined });
		expect(resolveOptions({ endpoint: undefined }).endpoint).toBe('/plugins/public/blueconic/segments');
	});

	test("converts a script tag's data-* strings", () => {
		const dataset = {
			endpoint: 'https://c.example/segments',
			maxAttempts: '3',
			navigationDelay: '0',
			debug: '',
			refreshInterval: '300',
			sessionCookie: 'sid',
		};
		expect(resolveOptions(dataset)).toMatchObject({
			endpoint: 'https://c.example/segments',
			maxAttempts: 3,
			navigationDelay: 0,
			debug: true,
			refreshInterval: 300,
			sessionCookie: 'sid',
		});
		expect(resolveOptions({ debug: 'false' } as never).debug).toBe(false);
		expect(resolveOptions({ debug: true }).debug).toBe(true);
	});

	test('falls back to the default for a number that is not finite and >= 0', () => {
		for (const timeout of ['soon', '-1', 'Infinity', Number.NaN, -5]) {
			expect(resolveOptions({ timeout } as never).timeout).toBe(optionDefaults.timeout);
		}
	});

	test('keeps onError', () => {
		const onError = (): void => undefined;
		expect(resolveOptions({ onError }).onError).toBe(onError);
	});
});
