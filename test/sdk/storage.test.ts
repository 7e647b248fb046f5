import { expect, test } from 'vitest';
import { deliveredReportKey } from '../../sdk/storage.js';

test('keeps one entry per collector endpoint, under the name the snippet uses too', () => {
	expect(deliveredReportKey('/a')).toBe('blueconic-bridge:/a');
	expect(deliveredReportKey('/a')).not.toBe(deliveredReportKey('https://c.example/a'));
});
