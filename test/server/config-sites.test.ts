import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { ConfigError } from '../../server/errors/config-error.js';
import { reportSegments, startCollector, testConfig } from './collector-fixture.js';

/** The problems a configuration with these site hosts is refused with (none: it is taken). */
function hostProblems(...hosts: string[]): readonly string[] {
	try {
		parseConfig({ session: { validate: { type: 'memory' } }, sites: hosts.map((host) => ({ host })) }, {});
		return [];
	} catch (error) {
		if (error instanceof ConfigError) return error.problems;
		throw error;
	}
}

describe('sites[].host', () => {
	it('refuses a scheme, a port or a path, showing the host name that was meant', () => {
		expect(hostProblems('https://www.example.com', 'www.example.com:8080', 'WWW.Example.com/path')).toEqual([
			'sites[0].host: must be a host name like "www.example.com" (no scheme, port or path)',
			'sites[1].host: must be a host name like "www.example.com" (no scheme, port or path)',
			'sites[2].host: must be a host name like "www.example.com" (no scheme, port or path)',
		]);
	});

	it('shows the form browsers send in Host: punycode, a canonical IPv4 address, an IPv6 address in brackets', () => {
		expect(hostProblems('bücher.example', '127.1', '[::1]:3000')).toEqual([
			'sites[0].host: must be a host name like "xn--bcher-kva.example" (no scheme, port or path)',
			'sites[1].host: must be a host name like "127.0.0.1" (no scheme, port or path)',
			'sites[2].host: must be a host name like "[::1]" (no scheme, port or path)',
		]);
	});

	it('refuses what cannot be a host name, such as a wildcard', () => {
		expect(hostProblems('*.example.com', 'https://')).toEqual([
			'sites[0].host: must be a host name like "www.example.com" (no scheme, port, path or wildcard)',
			'sites[1].host: must be a host name like "www.example.com" (no scheme, port, path or wildcard)',
		]);
		expect(hostProblems('')).toEqual(['sites[0].host: must not be empty']);
	});

	it('takes host names, IP addresses and bracketed IPv6 addresses', () => {
		expect(hostProblems('www.example.com', 'localhost', '127.0.0.1', '[::1]', 'my_host.internal')).toEqual([]);
	});

	it('takes a host in any case, and the site then answers requests for it (case does not matter in Host)', async () => {
		const config = parseConfig(testConfig({ sites: [{ host: ' WWW.Publisher.TEST ' }] }), {});
		expect(config.sites).toEqual([{ host: 'www.publisher.test', origins: [], active: true }]);

		const running = await startCollector(testConfig({ sites: [{ host: 'WWW.Publisher.TEST' }] }));
		try {
			const sessionId = running.collector.memorySessions?.create({}) ?? '';
			for (const host of ['www.publisher.test', 'WWW.PUBLISHER.test:8080']) {
				expect((await reportSegments(running.url, sessionId, ['a'], { host })).status).toBe(204);
			}
		} finally {
			await running.stop();
		}
	});
});
