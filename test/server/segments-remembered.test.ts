import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSessionCookie } from '../../server/sessions/signed.js';
import { sessionKeyOf } from '../../server/store/session-key.js';
import { apiKey, type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { send } from './http-client.js';

// Signed sessions get hot-path records, so their reports take the remembered-body path of routes/segments.ts:
// every answer, stored report and count must be what a fresh parse gives.
const secret = 'a-secret-of-at-least-16-chars';
const host = 'www.publisher.test';
const path = '/plugins/public/blueconic/segments';
const inOneHour = new Date(Date.now() + 3_600_000);

let running: StartedCollector;

beforeAll(async () => {
	running = await startCollector(
		testConfig({ session: { validate: { type: 'signed', secret } }, segments: { postsPerMinute: 1000, maxSessions: 3 } }),
	);
});
afterAll(() => running.stop());

function post(cookie: string, body: string) {
	return send(`${running.url}${path}`, {
		method: 'POST',
		body,
		headers: { host, 'content-type': 'application/json', cookie: `blaize_session=${cookie}` },
	});
}

async function held(sessionId: string) {
	const read = await running.collector.store.read(sessionKeyOf(sessionId));
	return read.status === 'hit' ? [...read.segmentIds] : read.status;
}

async function reportCounts(): Promise<{ segments: number; empty: number }> {
	const text = (await send(`${running.url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } })).text;
	const count = (outcome: string) =>
		Number(new RegExp(`^blueconic_bridge_segment_reports_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
	return { segments: count('segments'), empty: count('empty') };
}

describe('a recorded session posting the same body again', () => {
	it('stores, answers and counts it as the first time', async () => {
		const cookie = signSessionCookie('repeat-1', secret, inOneHour);
		const before = await reportCounts();
		for (let page = 0; page < 3; page++) expect((await post(cookie, '["a","b","a"]')).status).toBe(204);
		expect(await held('repeat-1')).toEqual(['a', 'b']);
		for (let page = 0; page < 2; page++) expect((await post(cookie, '[]')).status).toBe(204);
		expect(await held('repeat-1')).toEqual([]);
		expect(await reportCounts()).toEqual({ segments: before.segments + 3, empty: before.empty + 2 });
	});

	it('takes a new body as a new report, and the old body again as the old report', async () => {
		const cookie = signSessionCookie('repeat-2', secret, inOneHour);
		await post(cookie, '["a"]');
		await post(cookie, '["b"]');
		expect(await held('repeat-2')).toEqual(['b']);
		await post(cookie, '["a"]');
		expect(await held('repeat-2')).toEqual(['a']);
	});

	it('stores its body again when another cookie of the same session stored other ids in between', async () => {
		// Two cookies of one session (a re-issued cookie, another expiry): two records, one stored report.
		const first = signSessionCookie('shared-1', secret, inOneHour);
		const second = signSessionCookie('shared-1', secret, new Date(Date.now() + 7_200_000));
		await post(first, '["from-first"]');
		await post(second, '["from-second"]');
		expect(await held('shared-1')).toEqual(['from-second']);
		expect((await post(first, '["from-first"]')).status).toBe(204);
		expect(await held('shared-1')).toEqual(['from-first']);
	});

	it('stores its body again once the store has let the session go', async () => {
		const cookie = signSessionCookie('evicted-1', secret, inOneHour);
		await post(cookie, '["kept"]');
		// maxSessions is 3: three other sessions push this one out of the store.
		for (const other of ['push-1', 'push-2', 'push-3']) await post(signSessionCookie(other, secret, inOneHour), '["x"]');
		expect(await held('evicted-1')).toBe('miss');
		expect((await post(cookie, '["kept"]')).status).toBe(204);
		expect(await held('evicted-1')).toEqual(['kept']);
	});

	it('still refuses a bad body after a good one, with the error of a fresh parse', async () => {
		const cookie = signSessionCookie('refused-1', secret, inOneHour);
		await post(cookie, '["good"]');
		const refused = await post(cookie, '["good",""]');
		expect([refused.status, (refused.json as { error: { code: string } }).error.code]).toEqual([400, 'invalid_segment_id']);
		expect(await held('refused-1')).toEqual(['good']);
		expect((await post(cookie, '["good"]')).status).toBe(204);
	});
});

describe('decisions of recorded sessions, whose records remember where the store holds them', () => {
	function decide(cookie: string, segment: string) {
		return send(`${running.url}/plugins/public/blueconic/decision?segment=${segment}`, {
			headers: { host, cookie: `blaize_session=${cookie}` },
		});
	}

	it("never answers from another session's report once the store gave that session its slot", async () => {
		const leaving = signSessionCookie('slot-1', secret, inOneHour);
		await post(leaving, '["leaving"]');
		expect((await decide(leaving, 'leaving')).json).toEqual({ segment: 'leaving', result: 'yes', source: 'browser' });
		// maxSessions is 3: three others push it out of the store, and one of them takes its slot. Their cookies are
		// too long for a record of their own, so the records keep the first session's, which names its old slot.
		const longId = (index: number) => `slot-${index}-${'x'.repeat(300)}`;
		const others = [2, 3, 4].map((index) => signSessionCookie(longId(index), secret, inOneHour));
		for (const other of others) await post(other, '["leaving","other"]');
		expect(await held('slot-1')).toBe('miss');
		expect(await held(longId(4))).toEqual(['leaving', 'other']);
		expect((await decide(leaving, 'leaving')).json).toEqual({ segment: 'leaving', result: 'unknown', source: 'browser' });
		for (const other of others) expect((await decide(other, 'other')).json).toMatchObject({ result: 'yes' });
		await post(leaving, '["back"]');
		expect((await decide(leaving, 'leaving')).json).toMatchObject({ result: 'no' });
		expect((await decide(leaving, 'back')).json).toMatchObject({ result: 'yes' });
	});

	it('spells a segment id that needs escaping as JSON does', async () => {
		const cookie = signSessionCookie('escaped-1', secret, inOneHour);
		// Control characters are refused in reports; a quote and a backslash are not.
		const id = 'a"b\\c\u00e9\ud83d\ude00';
		expect((await post(cookie, JSON.stringify([id]))).status).toBe(204);
		const answer = await decide(cookie, encodeURIComponent(id));
		expect(answer.text).toBe(`{"segment":${JSON.stringify(id)},"result":"yes","source":"browser"}`);
	});
});
