import { describe, expect, it } from 'vitest';
import { ClientAddresses, parseAddressRange } from '../../server/sessions/client-address.js';

describe('ClientAddresses', () => {
	const untrusting = new ClientAddresses();
	const behindProxies = new ClientAddresses(['10.0.0.0/8', 'fd00::/8']);

	it('takes the peer address, IPv4-mapped IPv6 as IPv4', () => {
		expect(untrusting.addressOf({ remoteAddress: '198.51.100.7' })).toBe('198.51.100.7');
		expect(untrusting.addressOf({ remoteAddress: '::ffff:198.51.100.7' })).toBe('198.51.100.7');
		expect(untrusting.addressOf({ remoteAddress: 'fe80::1%eth0' })).toBe('fe80::1');
		expect(untrusting.addressOf({})).toBeUndefined();
		expect(untrusting.addressOf(undefined)).toBeUndefined();
	});

	it('never believes X-Forwarded-For from a peer that is not a trusted proxy', () => {
		expect(untrusting.addressOf({ remoteAddress: '10.0.0.1', forwardedFor: '198.51.100.7' })).toBe('10.0.0.1');
		expect(behindProxies.addressOf({ remoteAddress: '198.51.100.9', forwardedFor: '198.51.100.7' })).toBe('198.51.100.9');
	});

	it('takes the right-most forwarded address that is not a trusted proxy', () => {
		const via = (forwardedFor: string) => behindProxies.addressOf({ remoteAddress: '::ffff:10.0.0.1', forwardedFor });
		expect(via('198.51.100.7')).toBe('198.51.100.7');
		// What the client wrote itself (left of its own address) is not believed.
		expect(via('203.0.113.66, 198.51.100.7')).toBe('198.51.100.7');
		expect(via('203.0.113.66, 198.51.100.7, 10.2.3.4')).toBe('198.51.100.7');
		expect(via('198.51.100.7:51234, [fd00::3]:443')).toBe('198.51.100.7');
		expect(via('2001:db8::7,fd00::3')).toBe('2001:db8::7');
		// Every hop a trusted proxy: the left-most; a hop that is not an address: the last address before it.
		expect(via('10.9.9.9, 10.2.3.4')).toBe('10.9.9.9');
		expect(via('not-an-address, 10.2.3.4')).toBe('10.2.3.4');
		expect(via('')).toBe('10.0.0.1');
		expect(behindProxies.addressOf({ remoteAddress: '10.0.0.1' })).toBe('10.0.0.1');
	});

	it('groups clients by IPv4 address and by IPv6 /64', () => {
		expect(untrusting.keyOf({ remoteAddress: '198.51.100.7' })).toBe('198.51.100.7');
		expect(untrusting.keyOf({ remoteAddress: '2001:db8:0:7::1' })).toBe('2001:db8:0:7::/64');
		expect(untrusting.keyOf({ remoteAddress: '2001:0DB8:0000:0007:ffff:1:2:3' })).toBe('2001:db8:0:7::/64');
		expect(untrusting.keyOf({ remoteAddress: '::1' })).toBe('0:0:0:0::/64');
		expect(untrusting.keyOf({ remoteAddress: '2001:db8::' })).toBe('2001:db8:0:0::/64');
		expect(untrusting.keyOf({ remoteAddress: '::ffff:1.2.3.4' })).toBe('1.2.3.4');
	});

	it('refuses a trusted proxy that is not an address or range', () => {
		expect(() => new ClientAddresses(['10.0.0.0/8', 'proxy.internal'])).toThrow('trustedProxies[1] must be an IP address or CIDR range');
	});
});

describe('parseAddressRange', () => {
	it('reads addresses and CIDR ranges, and nothing else', () => {
		expect(parseAddressRange('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
		expect(parseAddressRange('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' });
		expect(parseAddressRange('192.0.2.1')).toEqual({ address: '192.0.2.1', prefix: 32, family: 'ipv4' });
		expect(parseAddressRange('::ffff:10.0.0.0/104')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
		for (const text of ['10.0.0.0/33', '::ffff:10.0.0.0/8', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', '10.0.0.0/08x', 'host', '']) {
			expect(parseAddressRange(text)).toBeUndefined();
		}
	});
});
