import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { configProblemsOf } from './config-problems.js';

const minimal = { session: { validate: { type: 'memory' } }, sites: '*' };


describe('the server section', () => {
	it('has documented defaults', () => {
		expect(parseConfig(minimal, {}).server).toEqual({
			maxConnections: 10_000,
			headersTimeoutSeconds: 10,
			requestTimeoutSeconds: 15,
			keepAliveTimeoutSeconds: 5,
			drainSeconds: 0,
			shutdownGraceSeconds: 10,
			trustedProxies: [],
		});
	});

	it('takes fractions of seconds and a drain', () => {
		const { server } = parseConfig({ ...minimal, server: { drainSeconds: 15, shutdownGraceSeconds: 0.5, maxConnections: 20 } }, {});
		expect(server).toMatchObject({ drainSeconds: 15, shutdownGraceSeconds: 0.5, maxConnections: 20 });
	});

	it('names each bad field by its path', () => {
		expect(
			configProblemsOf({ ...minimal, server: { maxConnections: 0, drainSeconds: -1, shutdownGraceSeconds: 0, keepAliveTimeoutSeconds: 'long', typo: 1 } }),
		).toEqual(
			expect.arrayContaining([
				'server.maxConnections: must be greater than 0',
				'server.drainSeconds: must be 0 or more',
				'server.shutdownGraceSeconds: must be greater than 0',
				expect.stringMatching(/^server\.keepAliveTimeoutSeconds: /),
				'server.typo: is not a known field',
			]),
		);
	});

	it('refuses a headers timeout longer than the request timeout', () => {
		expect(configProblemsOf({ ...minimal, server: { headersTimeoutSeconds: 20, requestTimeoutSeconds: 15 } })).toEqual([
			'server.headersTimeoutSeconds: must not be longer than requestTimeoutSeconds',
		]);
	});
});
