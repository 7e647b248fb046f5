import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextRequestId } from '../../server/http/request-id.js';
import { askDecision, type StartedCollector, startCollector } from './collector-fixture.js';
import { send } from './http-client.js';

const requestIdFormat = /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/;

describe('request ids', () => {
	it('are a per-process random prefix and a counter, unique', () => {
		const ids = Array.from({ length: 10_000 }, () => nextRequestId());
		for (const id of ids.slice(0, 10)) expect(id).toMatch(requestIdFormat);
		expect(new Set(ids).size).toBe(ids.length);
		const prefixes = new Set(ids.map((id) => id.slice(0, id.indexOf('-', 12))));
		expect(prefixes.size).toBe(1);
		const counters = ids.map((id) => Number.parseInt(id.slice(13), 36));
		expect(counters[1]).toBe((counters[0] as number) + 1);
	});

	describe('over HTTP', () => {
		let running: StartedCollector;
		beforeAll(async () => {
			running = await startCollector();
		});
		afterAll(() => running.stop({ drain: false }));

		it('name every answer, browser endpoints and Koa routes alike, each with an id of its own', async () => {
			const sessionId = running.collector.memorySessions!.create();
			const answers = await Promise.all([
				askDecision(running.url, sessionId, 'segment=a'),
				askDecision(running.url, 'made-up', 'segment=a'),
				send(`${running.url}/healthz`),
				send(`${running.url}/no-such-path`),
			]);
			const ids = answers.map((answer) => answer.headers['x-request-id'] as string);
			for (const id of ids) expect(id).toMatch(requestIdFormat);
			expect(new Set(ids).size).toBe(ids.length);
		});
	});
});
