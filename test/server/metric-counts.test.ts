import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { CountedCounter, CountedHistogram } from '../../server/metric-counts.js';
import { askDecision, reportSegments, type StartedCollector, startCollector } from './collector-fixture.js';

type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

async function metricNamed(registry: Registry, name: string): Promise<MetricJson> {
	const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
	if (metric === undefined) throw new Error(`no metric ${name}`);
	return metric;
}

function valueOf(metric: MetricJson, labels: Record<string, string | number>, metricName?: string): number | undefined {
	return metric.values.find(
		(value) =>
			(metricName === undefined || (value as { metricName?: string }).metricName === metricName) &&
			Object.entries(labels).every(([name, wanted]) => String((value.labels as Record<string, unknown>)[name]) === String(wanted)),
	)?.value;
}

describe('counted metrics', () => {
	it('show their counts through both of the registry’s outputs, fresh at each read', async () => {
		const registry = new Registry();
		const counter = new CountedCounter({ name: 'test_total', help: 'A test counter.', labelNames: ['outcome'] as const, registry });
		const histogram = new CountedHistogram({ name: 'test_seconds', help: 'A test histogram.', labelName: 'route', buckets: [0.1, 1], registry });
		counter.labels('a').inc();
		counter.inc({ outcome: 'b' }, 2);
		histogram.labels('/x').observe(0.05);
		histogram.labels('/x').observe(0.5);
		histogram.labels('/x').observe(5);
		expect(valueOf(await metricNamed(registry, 'test_total'), { outcome: 'a' })).toBe(1);
		expect(valueOf(await metricNamed(registry, 'test_total'), { outcome: 'b' })).toBe(2);
		const seconds = await metricNamed(registry, 'test_seconds');
		expect(valueOf(seconds, { route: '/x', le: 0.1 }, 'test_seconds_bucket')).toBe(1);
		expect(valueOf(seconds, { route: '/x', le: 1 }, 'test_seconds_bucket')).toBe(2);
		expect(valueOf(seconds, { route: '/x', le: '+Inf' }, 'test_seconds_bucket')).toBe(3);
		expect(valueOf(seconds, { route: '/x' }, 'test_seconds_count')).toBe(3);
		expect(valueOf(seconds, { route: '/x' }, 'test_seconds_sum')).toBeCloseTo(5.55);
		counter.labels('a').inc();
		const text = await registry.metrics();
		expect(text).toContain('# HELP test_total A test counter.');
		expect(text).toContain('test_total{outcome="a"} 2');
		expect(text).toContain('test_seconds_bucket{le="1",route="/x"} 2');
		expect(text).toContain('test_seconds_count{route="/x"} 3');
	});

	describe('of the browser endpoints', () => {
		let running: StartedCollector;
		beforeAll(async () => {
			running = await startCollector();
		});
		afterAll(() => running.stop({ drain: false }));

		it('count requests, durations, reports and decisions as the collector answers them', async () => {
			const sessionId = running.collector.memorySessions!.create();
			expect((await reportSegments(running.url, sessionId, ['a', 'b'])).status).toBe(204);
			expect((await reportSegments(running.url, sessionId, [])).status).toBe(204);
			expect((await askDecision(running.url, sessionId, 'segment=c')).status).toBe(200);
			expect((await askDecision(running.url, sessionId, 'segment=c')).status).toBe(200);
			expect((await askDecision(running.url, 'made-up', 'segment=c')).status).toBe(401);
			const { registry } = running.collector.metrics;
			const requests = await metricNamed(registry, 'blueconic_bridge_http_requests_total');
			expect(valueOf(requests, { route: '/plugins/public/blueconic/segments', method: 'POST', status: 204 })).toBe(2);
			expect(valueOf(requests, { route: '/plugins/public/blueconic/decision', method: 'GET', status: 200 })).toBe(2);
			expect(valueOf(requests, { route: '/plugins/public/blueconic/decision', method: 'GET', status: 401 })).toBe(1);
			const seconds = await metricNamed(registry, 'blueconic_bridge_http_request_duration_seconds');
			expect(valueOf(seconds, { route: '/plugins/public/blueconic/decision' }, 'blueconic_bridge_http_request_duration_seconds_count')).toBe(3);
			expect(valueOf(seconds, { route: '/plugins/public/blueconic/decision', le: '+Inf' })).toBe(3);
			const reports = await metricNamed(registry, 'blueconic_bridge_segment_reports_total');
			expect([valueOf(reports, { outcome: 'segments' }), valueOf(reports, { outcome: 'empty' })]).toEqual([1, 1]);
			const decisions = await metricNamed(registry, 'blueconic_bridge_decisions_total');
			expect(valueOf(decisions, { result: 'no' })).toBe(2);
			expect(await registry.metrics()).toContain('blueconic_bridge_decisions_total{result="no"} 2');
		});
	});
});
