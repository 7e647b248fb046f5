import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { configProblemsOf } from './config-problems.js';

const httpSession = (validate: Record<string, unknown> = {}) => ({
	session: { validate: { type: 'http', url: 'https://publisher.example.com/blaize/account', ...validate } },
	sites: '*',
});


describe('session.validate of type http', () => {
	it('applies the documented defaults', () => {
		expect(parseConfig(httpSession(), {}).session.validate).toEqual({
			type: 'http',
			url: 'https://publisher.example.com/blaize/account',
			cacheSeconds: 60,
			invalidCacheSeconds: 10,
			timeoutMs: 2_000,
			cacheMaxEntries: 100_000,
			invalidCacheMaxEntries: 100_000,
			maxConcurrentChecks: 100,
			maxConcurrentChecksPerClient: 10,
		});
	});

	it('takes trusted proxies, in server, as IPv4 or IPv6 addresses and CIDR ranges; none by default', () => {
		const trustedProxies = ['10.0.0.7', '10.0.0.0/8', '::1', 'fd00::/8', '::ffff:192.0.2.1/128'];
		expect(parseConfig({ ...httpSession(), server: { trustedProxies } }, {}).server.trustedProxies).toEqual(trustedProxies);
		expect(parseConfig(httpSession(), {}).server.trustedProxies).toEqual([]);
	});

	it('tells a file that still lists trusted proxies under session.validate where they went', () => {
		expect(configProblemsOf(httpSession({ trustedProxies: ['10.0.0.0/8'] }))).toEqual([
			'session.validate.trustedProxies: has moved to server.trustedProxies, which every session type and the admin console now follow',
		]);
	});

	it('names each field that is wrong', () => {
		expect(
			configProblemsOf(
				{
					...httpSession({ invalidCacheMaxEntries: 0, maxConcurrentChecksPerClient: 1.5 }),
					server: { trustedProxies: ['10.0.0.0/33', 'proxy.internal', '10.0.0.1/', ''] },
				},
			),
		).toEqual([
			'session.validate.invalidCacheMaxEntries: must be greater than 0',
			'session.validate.maxConcurrentChecksPerClient: must be a whole number',
			'server.trustedProxies[0]: must be an IP address or CIDR range, like 10.0.0.0/8',
			'server.trustedProxies[1]: must be an IP address or CIDR range, like 10.0.0.0/8',
			'server.trustedProxies[2]: must be an IP address or CIDR range, like 10.0.0.0/8',
			'server.trustedProxies[3]: must be an IP address or CIDR range, like 10.0.0.0/8',
		]);
	});
});
