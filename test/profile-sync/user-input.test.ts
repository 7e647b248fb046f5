import { describe, expect, it } from 'vitest';
import { classifyEventType } from '../../server/profile-sync/event-types.js';
import { readUserRecord } from '../../server/profile-sync/user-input.js';

describe('classifyEventType', () => {
	it('syncs user creations and updates, whatever the update event is called', () => {
		for (const type of ['CREATE_USER', 'UPDATE_USER', 'USER_UPDATED', 'update-user-attributes', 'REGISTER_USER']) {
			expect(classifyEventType(type), type).toBe('user_upsert');
		}
	});

	it('ignores deletions and events that are not about a user changing', () => {
		for (const type of ['DELETE_USER', 'USER_DELETED', 'LOGIN', 'CREATE_SESSION', 'UPDATE_GRANT', 'PURCHASE']) {
			expect(classifyEventType(type), type).toBe('ignored');
		}
	});
});

describe('readUserRecord', () => {
	it('reads a Zephr user webhook', () => {
		const record = readUserRecord({
			type: 'CREATE_USER',
			time: 1_700_000_000_000,
			details: { user_id: 'u-1', identifiers: { email_address: 'jane@example.com' }, attributes: { age: 3 }, tracking_id: 't-1' },
		});
		expect(record).toEqual({
			status: 'user',
			user: { email: 'jane@example.com', trackingId: 't-1', userId: 'u-1', attributes: { age: 3 } },
		});
	});

	it('reads the plain form', () => {
		expect(readUserRecord({ email: 'jane@example.com', trackingId: 7, attributes: { a: 'b' } })).toEqual({
			status: 'user',
			user: { email: 'jane@example.com', trackingId: '7', userId: undefined, attributes: { a: 'b' } },
		});
	});

	it('reads a webhook without email as a user, so the mapping can reject it with a clear reason', () => {
		expect(readUserRecord({ type: 'UPDATE_USER', details: { user_id: 'u-2' } })).toMatchObject({
			status: 'user',
			user: { email: undefined, userId: 'u-2', attributes: {} },
		});
	});

	it('acknowledges unknown event types as ignored without checking their details', () => {
		expect(readUserRecord({ type: 'LOGIN', details: { user_id: 'u-3', anything: [1] } })).toEqual({
			status: 'ignored',
			eventType: 'LOGIN',
			userId: 'u-3',
		});
	});

	it('names the field that is wrong in a malformed record', () => {
		expect(readUserRecord({ type: 'CREATE_USER', details: { attributes: ['x'] } }, [2])).toEqual({
			status: 'malformed',
			message: '[2].details.attributes: must be an object of attribute values',
		});
		expect(readUserRecord({ type: 'CREATE_USER' })).toEqual({ status: 'malformed', message: 'details: must be an object' });
		expect(readUserRecord({ type: 5, details: {} })).toEqual({ status: 'malformed', message: 'type: must be the event type, a string' });
		expect(readUserRecord({ email: 5 })).toMatchObject({ status: 'malformed', message: expect.stringMatching(/^email: /) });
		expect(readUserRecord('jane@example.com')).toMatchObject({ status: 'malformed' });
		expect(readUserRecord({ name: 'Jane' })).toMatchObject({ status: 'malformed' });
	});
});
