import { afterEach, expect, test, vi } from 'vitest';
import { deliveredReportKey, readSessionValue, writeSessionValue } from '../../sdk/storage.js';

afterEach(() => vi.unstubAllGlobals());

test('reads back what it wrote', () => {
	const values = new Map<string, string>();
	vi.stubGlobal('sessionStorage', {
		getItem: (key: string) => values.get(key) ?? null,
		setItem: (key: string, value: string) => values.set(key, value),
	});
	writeSessionValue('k', 'v');
	expect(readSessionValue('k')).toBe('v');
	expect(readSessionValue('other')).toBeNull();
});

test('treats storage that throws as empty, and a failed write as not remembered', () => {
	const denied = (): never => {
		throw new DOMException('denied', 'SecurityError');
	};
	vi.stubGlobal('sessionStorage', { getItem: denied, setItem: denied });
	expect(() => writeSessionValue('k', 'v')).not.toThrow();
	expect(readSessionValue('k')).toBeNull();
});

test('treats missing storage as empty', () => {
	// In Node, as in some sandboxed frames, there is no sessionStorage at all.
	expect(readSessionValue('k')).toBeNull();
	expect(() => writeSessionValue('k', 'v')).not.toThrow();
});

test('keeps one entry per collector endpoint', () => {
	expect(deliveredReportKey('/a')).not.toBe(deliveredReportKey('https://c.example/a'));
});
