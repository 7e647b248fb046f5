import { describe, expect, it } from 'vitest';
import { coerceAttributeValue, isEmailAddress } from '../../server/blueconic/coerce.js';
import { cpuMillisecondsOf, hostileEmails } from './helpers.js';

const coerced = (...values: string[]) => ({ status: 'coerced', values });

describe('coerceAttributeValue', () => {
	it('sends text as is, numbers as their decimal text and booleans as "true" / "false"', () => {
		expect(coerceAttributeValue('Jane', 'TEXT')).toEqual(coerced('Jane'));
		expect(coerceAttributeValue(42.5, 'TEXT')).toEqual(coerced('42.5'));
		expect(coerceAttributeValue(true, 'TEXT')).toEqual(coerced('true'));
		expect(coerceAttributeValue(false, 'TEXT')).toEqual(coerced('false'));
	});

	it('refuses objects as text instead of sending "[object Object]"', () => {
		expect(coerceAttributeValue({ a: 1 }, 'TEXT')).toEqual({ status: 'invalid', reason: 'expected text, got object' });
	});

	it('validates email addresses and trims them', () => {
		expect(coerceAttributeValue(' jane@example.com ', 'EMAIL')).toEqual(coerced('jane@example.com'));
		expect(coerceAttributeValue('not-an-email', 'EMAIL')).toEqual({ status: 'invalid', reason: 'is not an email address' });
		expect(coerceAttributeValue(12, 'EMAIL').status).toBe('invalid');
	});

	it('tells addresses from non-addresses by the same loose rules as before', () => {
		for (const address of ['jane@example.com', 'a@b.co', 'first.last+tag@mail.example.org', 'x@.b.c', `${'a'.repeat(64)}@${'b'.repeat(185)}.com`]) {
			expect(isEmailAddress(address), address).toBe(true);
		}
		const notAddresses = ['', 'jane', '@example.com', 'jane@', 'jane@example', 'jane@example.', 'jane@.com', 'a@b@c.com', 'ja ne@example.com', 'jane@exa\tmple.com'];
		for (const text of notAddresses) expect(isEmailAddress(text), text).toBe(false);
		// Longer than any address RFC 5321 allows.
		expect(isEmailAddress(`${'a'.repeat(64)}@${'b'.repeat(186)}.com`)).toBe(false);
	});

	it('refuses a 1 MB hostile email in far less than 100 ms of CPU, however it is shaped', () => {
		for (const hostile of hostileEmails) {
			// Linear work on a megabyte takes about a millisecond; the old pattern needed minutes for each of these.
			let result: unknown;
			const cpuMs = cpuMillisecondsOf(() => {
				result = [isEmailAddress(hostile), coerceAttributeValue(hostile, 'EMAIL').status];
			});
			expect(result).toEqual([false, 'invalid']);
			expect(cpuMs).toBeLessThan(100);
		}
	});

	it('sends whole numbers for Number properties, from numbers or numeric text', () => {
		expect(coerceAttributeValue(42, 'NUMBER')).toEqual(coerced('42'));
		expect(coerceAttributeValue(' -7 ', 'NUMBER')).toEqual(coerced('-7'));
		expect(coerceAttributeValue('42.0', 'NUMBER')).toEqual(coerced('42'));
		expect(coerceAttributeValue(-0, 'NUMBER')).toEqual(coerced('0'));
	});

	it('refuses fractions, non-numbers and unsafe integers for Number properties rather than rounding', () => {
		expect(coerceAttributeValue(2.5, 'NUMBER')).toEqual({ status: 'invalid', reason: 'expected a whole number, got 2.5' });
		expect(coerceAttributeValue('0x1f', 'NUMBER').status).toBe('invalid');
		expect(coerceAttributeValue('1e3', 'NUMBER').status).toBe('invalid');
		expect(coerceAttributeValue('twelve', 'NUMBER').status).toBe('invalid');
		expect(coerceAttributeValue(true, 'NUMBER').status).toBe('invalid');
		expect(coerceAttributeValue(Number.NaN, 'NUMBER').status).toBe('invalid');
		expect(coerceAttributeValue(2 ** 60, 'NUMBER')).toEqual({ status: 'invalid', reason: `${2 ** 60} is too large to store exactly` });
	});

	it('rounds decimals to four places and currency to two', () => {
		expect(coerceAttributeValue(3.14159265, 'DECIMAL')).toEqual(coerced('3.1416'));
		expect(coerceAttributeValue('2', 'DECIMAL')).toEqual(coerced('2.0000'));
		expect(coerceAttributeValue(-0.00001, 'DECIMAL')).toEqual(coerced('0.0000'));
		expect(coerceAttributeValue(19.999, 'CURRENCY')).toEqual(coerced('20.00'));
		expect(coerceAttributeValue('4.5', 'CURRENCY')).toEqual(coerced('4.50'));
	});

	it('refuses non-numbers for Decimal and Currency properties', () => {
		expect(coerceAttributeValue('€4', 'CURRENCY')).toEqual({ status: 'invalid', reason: 'expected a number, got "€4"' });
		expect(coerceAttributeValue(Number.POSITIVE_INFINITY, 'DECIMAL').status).toBe('invalid');
		expect(coerceAttributeValue(1e20, 'DECIMAL').status).toBe('invalid');
	});

	it('sends date-times as Unix milliseconds from ISO text or from numbers', () => {
		expect(coerceAttributeValue('2024-03-01T12:00:00Z', 'DATETIME')).toEqual(coerced('1709294400000'));
		expect(coerceAttributeValue('2024-03-01T14:00:00+02:00', 'DATETIME')).toEqual(coerced('1709294400000'));
		expect(coerceAttributeValue('2024-03-01', 'DATETIME')).toEqual(coerced('1709251200000'));
		expect(coerceAttributeValue(1709294400000, 'DATETIME')).toEqual(coerced('1709294400000'));
		expect(coerceAttributeValue('1709294400000', 'DATETIME')).toEqual(coerced('1709294400000'));
	});

	it('reads a date-time without a zone as UTC, whatever the server time zone', () => {
		expect(coerceAttributeValue('2024-03-01T12:00:00', 'DATETIME')).toEqual(coerced('1709294400000'));
	});

	it('refuses dates that are not ISO 8601 or do not exist', () => {
		expect(coerceAttributeValue('March 1st', 'DATETIME')).toEqual({ status: 'invalid', reason: '"March 1st" is not an ISO 8601 date' });
		expect(coerceAttributeValue('2024-02-30', 'DATETIME')).toEqual({ status: 'invalid', reason: '"2024-02-30" is not a valid date' });
		expect(coerceAttributeValue('2024-01-01T25:00:00Z', 'DATETIME').status).toBe('invalid');
		expect(coerceAttributeValue(1.5, 'DATETIME').status).toBe('invalid');
		expect(coerceAttributeValue(false, 'DATETIME').status).toBe('invalid');
	});

	it('treats null, empty text and empty lists as absent, so nothing is sent', () => {
		expect(coerceAttributeValue(null, 'TEXT')).toEqual({ status: 'absent' });
		expect(coerceAttributeValue('  ', 'NUMBER')).toEqual({ status: 'absent' });
		expect(coerceAttributeValue([], 'TEXT')).toEqual({ status: 'absent' });
	});

	it('coerces every item of a list and names the item that does not fit', () => {
		expect(coerceAttributeValue(['sports', 'news'], 'TEXT')).toEqual(coerced('sports', 'news'));
		expect(coerceAttributeValue([1, '2', null], 'NUMBER')).toEqual(coerced('1', '2'));
		expect(coerceAttributeValue([1, 'two'], 'NUMBER')).toEqual({ status: 'invalid', reason: 'item 1: expected a whole number, got "two"' });
	});
});
