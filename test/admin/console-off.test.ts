import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configProblemsOf } from '../server/config-problems.js';
import { apiKey, startCollector, type StartedCollector, testConfig } from '../server/collector-fixture.js';
import { errorCode, send } from '../server/http-client.js';
import { consolePath } from './console-fixture.js';

describe('without adminKeys the console does not exist', () => {
	let collector: StartedCollector;
	beforeAll(async () => {
		collector = await startCollector(testConfig());
	});
	afterAll(() => collector.stop({ drain: false }));

	it.each([
		['GET', `${consolePath}`],
		['GET', `${consolePath}/`],
		['GET', `${consolePath}/assets/console.js`],
		['GET', `${consolePath}/api/session`],
		['POST', `${consolePath}/api/session`],
		['DELETE', `${consolePath}/api/session`],
		['GET', `${consolePath}/api/config`],
		['PUT', `${consolePath}/api/config`],
		['POST', `${consolePath}/api/config/check`],
		['GET', `${consolePath}/api/status`],
		['GET', `${consolePath}/api/blueconic/segments`],
		['POST', `${consolePath}/api/decision-test`],
	])('%s %s answers the JSON 404', async (method, path) => {
		const body = method === 'GET' ? undefined : JSON.stringify({ key: apiKey });
		const answer = await send(`${collector.url}${path}`, {
			method,
			headers: { host: 'www.publisher.test', 'content-type': 'application/json', ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
			body,
		});
		expect(answer.status).toBe(404);
		expect(errorCode(answer)).toBe('not_found');
	});
});

describe('adminKeys in the configuration', () => {
	it('must each be at least 16 characters', () => {
		expect(configProblemsOf(testConfig({ adminKeys: ['short'] }))).toContain('adminKeys[0]: must be at least 16 characters');
	});

	it('must differ from every API key', () => {
		expect(configProblemsOf(testConfig({ adminKeys: ['admin-key-0123456789', apiKey] }))).toEqual([
			'adminKeys[1]: must differ from every apiKeys entry: a backend key must not open the console',
		]);
	});

	it('may be read from the environment, and are compared once resolved', () => {
		expect(configProblemsOf(testConfig({ adminKeys: ['env:BCB_TEST_ADMIN_KEY'] }), { BCB_TEST_ADMIN_KEY: apiKey })).toEqual([
			'adminKeys[0]: must differ from every apiKeys entry: a backend key must not open the console',
		]);
		expect(configProblemsOf(testConfig({ adminKeys: ['env:BCB_TEST_ADMIN_KEY'] }), {})).toEqual([
			'adminKeys[0]: environment variable BCB_TEST_ADMIN_KEY is not set',
		]);
	});

	it('must not be an empty list', () => {
		expect(configProblemsOf(testConfig({ adminKeys: [] }))).toEqual(['adminKeys: must list at least one key, or be left out']);
	});
});
