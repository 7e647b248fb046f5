import { describe, expect, it } from 'vitest';
import { mapUser } from '../../server/profile-sync/mapping.js';
import type { SyncUser } from '../../server/profile-sync/sync-user.js';
import { cpuMillisecondsOf, hostileEmails, profileMapping } from './helpers.js';

function user(fields: Partial<SyncUser>): SyncUser {
	return { email: 'jane@example.com', trackingId: undefined, userId: undefined, attributes: {}, ...fields };
}

describe('mapUser', () => {
	it('sets the email and tracking id properties first, then the mapped attributes, all as strings', () => {
		const mapped = mapUser(user({ trackingId: 't-1', attributes: { 'first-name': 'Jane', age: 41, newsletter: true } }), profileMapping);
		expect(mapped).toEqual({
			status: 'mapped',
			email: 'jane@example.com',
			properties: [
				{ id: 'email', values: ['jane@example.com'], strategy: 'SET' },
				{ id: 'zephr_tracking_id', values: ['t-1'], strategy: 'SET' },
				{ id: 'firstname', values: ['Jane'], strategy: 'SET' },
				{ id: 'age', values: ['41'], strategy: 'SET' },
				{ id: 'newsletter', values: ['true'], strategy: 'SET' },
			],
			attributeIssues: [],
		});
	});

	it('lower-cases and trims the email so one person is one profile', () => {
		const mapped = mapUser(user({ email: '  Jane@Example.COM ' }), profileMapping);
		expect(mapped.status === 'mapped' && mapped.email).toBe('jane@example.com');
	});

	it('leaves out an attribute that does not fit its type, reporting it, and still maps the user', () => {
		const mapped = mapUser(user({ attributes: { age: 'forty', 'first-name': 'Jane' } }), profileMapping);
		expect(mapped.status).toBe('mapped');
		if (mapped.status !== 'mapped') return;
		expect(mapped.properties.map((property) => property.id)).toEqual(['email', 'firstname']);
		expect(mapped.attributeIssues).toEqual([{ attributeId: 'age', reason: 'expected a whole number, got "forty"' }]);
	});

	it('sends neither absent nor unmapped attributes', () => {
		const mapped = mapUser(user({ attributes: { 'first-name': null, 'favourite-colour': 'blue' } }), profileMapping);
		expect(mapped.status === 'mapped' && mapped.properties.map((property) => property.id)).toEqual(['email']);
	});

	it('rejects a user without an email, and one whose email is not an address', () => {
		expect(mapUser(user({ email: undefined }), profileMapping)).toMatchObject({ status: 'rejected', reason: 'missing_email' });
		expect(mapUser(user({ email: '   ' }), profileMapping)).toMatchObject({ status: 'rejected', reason: 'missing_email' });
		expect(mapUser(user({ email: 'jane' }), profileMapping)).toMatchObject({ status: 'rejected', reason: 'invalid_email' });
	});

	it('refuses a 1 MB hostile email, as the matching email or an EMAIL attribute, in far less than 100 ms of CPU', () => {
		const mapping = {
			...profileMapping,
			attributes: [{ zephrAttributeId: 'work-email', blueconic: { profilePropertyId: 'work_email', type: 'EMAIL' as const } }],
		};
		for (const hostile of hostileEmails) {
			let results: ReturnType<typeof mapUser>[] = [];
			const cpuMs = cpuMillisecondsOf(() => {
				results = [mapUser(user({ email: hostile }), mapping), mapUser(user({ attributes: { 'work-email': hostile } }), mapping)];
			});
			expect(results[0]).toMatchObject({ status: 'rejected', reason: 'invalid_email' });
			expect(results[1]).toMatchObject({ status: 'mapped', attributeIssues: [{ attributeId: 'work-email', reason: 'is not an email address' }] });
			// Lower-casing and checking a megabyte is linear work of a few milliseconds; the old pattern took minutes.
			expect(cpuMs).toBeLessThan(100);
		}
	});

	it('does not let an attribute mapping overwrite the email property', () => {
		const mapping = {
			...profileMapping,
			attributes: [{ zephrAttributeId: 'alt-email', blueconic: { profilePropertyId: 'email', type: 'EMAIL' as const } }],
		};
		const mapped = mapUser(user({ attributes: { 'alt-email': 'other@example.com' } }), mapping);
		expect(mapped.status === 'mapped' && mapped.properties).toEqual([{ id: 'email', values: ['jane@example.com'], strategy: 'SET' }]);
	});
});
