import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { configProblemsOf } from './config-problems.js';

const minimal = { session: { validate: { type: 'memory' } }, sites: '*' };

describe('the store section', () => {
	it('is the in-process store by default', () => {
		expect(parseConfig(minimal, {}).store).toEqual({ type: 'memory' });
	});

	it('takes a Redis URL from the environment, with the default key prefix', () => {
		const store = parseConfig({ ...minimal, store: { type: 'redis', url: 'env:REDIS_URL' } }, { REDIS_URL: 'rediss://cache.internal:6380/2' }).store;
		expect(store).toEqual({ type: 'redis', url: 'rediss://cache.internal:6380/2', keyPrefix: 'bcb:' });
	});

	it('names each mistake with its path', () => {
		expect(configProblemsOf({ ...minimal, store: { type: 'memcached' } })).toEqual(['store.type: must be "memory" or "redis"']);
		expect(configProblemsOf({ ...minimal, store: { type: 'redis', url: 'http://cache.internal' } })).toEqual([
			'store.url: must be a redis:// or rediss:// URL',
		]);
		expect(configProblemsOf({ ...minimal, store: { type: 'redis', url: 'redis://x', keyPrefix: 'a b' } })).toEqual([
			'store.keyPrefix: must not contain white space or braces',
		]);
		expect(configProblemsOf({ ...minimal, store: { type: 'redis', url: 'env:REDIS_URL' } })).toEqual([
			'store.url: environment variable REDIS_URL is not set',
		]);
		expect(configProblemsOf({ ...minimal, store: { type: 'memory', url: 'redis://x' } })).toEqual(['store.url: is not a known field']);
	});
});
