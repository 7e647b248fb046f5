import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionKeyOf } from '../../server/store/session-key.js';
import { type StartedCollector, startCollector, testConfig } from './collector-fixture.js';
import { errorCode, send, type TestRequest } from './http-client.js';

const host = 'www.publisher.test';
const path = '/plugins/public/blueconic/segments';

let running: StartedCollector;
let sessionId: string;

beforeAll(async () => {
	running = await startCollector(testConfig({ segments: { postsPerMinute: 1000 } }));
	sessionId = running.collector.memorySessions!.create();
});
afterAll(() => running.stop());

function post(body: string | Buffer, { headers = {}, ...rest }: TestRequest = {}) {
	return send(`${running.url}${path}`, {
		method: 'POST',
		body,
		...rest,
		headers: { host, 'content-type': 'application/json', cookie: `blaize_session=${sessionId}`, ...headers },
	});
}

async function heldSegments(id: string = sessionId) {
	const read = await running.collector.store.read(sessionKeyOf(id));
	return read.status === 'hit' ? [...read.segmentIds] : read.status;
}

describe('POST /plugins/public/blueconic/segments', () => {
	it('stores the reported segment ids, de-duplicated, and answers 204', async () => {
		const response = await post(JSON.stringify(['seg-a', 'seg-b', 'seg-a']));
		expect(response.status).toBe(204);
		expect(response.text).toBe('');
		expect(await heldSegments()).toEqual(['seg-a', 'seg-b']);
	});

	it('takes an empty array as "in no segment", distinct from never reported', async () => {
		const other = running.collector.memorySessions!.create();
		expect(await heldSegments(other)).toBe('miss');
		const response = await post('[]', { headers: { cookie: `blaize_session=${other}` } });
		expect(response.status).toBe(204);
		expect(await heldSegments(other)).toEqual([]);
	});

	it('accepts text/plain, as sendBeacon sends it, and a charset parameter', async () => {
		expect((await post('["beacon"]', { headers: { 'content-type': 'text/plain;charset=UTF-8' } })).status).toBe(204);
		expect(await heldSegments()).toEqual(['beacon']);
	});

	it('keeps unicode segment ids intact', async () => {
		expect((await post(JSON.stringify(['café', '体育', '🏈-fans']))).status).toBe(204);
		expect(await heldSegments()).toEqual(['café', '体育', '🏈-fans']);
	});

	const many = (count: number, length = 8) => JSON.stringify(Array.from({ length: count }, (_, i) => `${i}`.padStart(length, 'x')));

	// Each malformed input with the answer it must get; after each, the server must still serve.
	const malformed: Array<[string, () => Promise<Awaited<ReturnType<typeof post>>>, number, string]> = [
		['a body that is not JSON', () => post('not json'), 400, 'invalid_json'],
		['a truncated JSON array', () => post('["a",'), 400, 'invalid_json'],
		['an empty body', () => post(''), 400, 'invalid_json'],
		['an object instead of an array', () => post('{"segments":["a"]}'), 400, 'not_an_array'],
		['an object with duplicate keys', () => post('{"a":1,"a":2}'), 400, 'not_an_array'],
		['a bare string', () => post('"seg"'), 400, 'not_an_array'],
		['null', () => post('null'), 400, 'not_an_array'],
		['numbers', () => post('[1,2,3]'), 400, 'invalid_segment_id'],
		['a mix of strings and numbers', () => post('["a",2]'), 400, 'invalid_segment_id'],
		['nested arrays', () => post('[["a"],["b"]]'), 400, 'invalid_segment_id'],
		['objects with ids', () => post('[{"id":"a"}]'), 400, 'invalid_segment_id'],
		['an empty id', () => post('[""]'), 400, 'invalid_segment_id'],
		['a control character in an id', () => post(JSON.stringify(['a\u0000b'])), 400, 'invalid_segment_id'],
		['a newline in an id', () => post(JSON.stringify(['a\nb'])), 400, 'invalid_segment_id'],
		['a lone UTF-16 surrogate', () => post('["\\ud800x"]'), 400, 'invalid_segment_id'],
		['a 10 KB id', () => post(JSON.stringify(['x'.repeat(10_000)])), 400, 'segment_id_too_long'],
		['201 distinct ids (over maxPerSession)', () => post(many(201)), 413, 'too_many_segments'],
		['100k items', () => post(many(100_000)), 413, 'body_too_large'],
		['a 10 MB body', () => post(Buffer.alloc(10 * 1024 * 1024, 0x20)), 413, 'body_too_large'],
		['a Content-Length larger than the limit', () => post('[]', { headers: { 'content-length': '99999999' } }), 413, 'body_too_large'],
		['no content type', () => post('["a"]', { headers: { 'content-type': '' } }), 415, 'unsupported_media_type'],
		['a form content type', () => post('a=b', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type'],
		['XML', () => post('<a/>', { headers: { 'content-type': 'application/xml' } }), 415, 'unsupported_media_type'],
		['a non-UTF-8 charset', () => post('["a"]', { headers: { 'content-type': 'application/json; charset=latin1' } }), 415, 'unsupported_charset'],
		['no session cookie', () => post('["a"]', { headers: { cookie: '' } }), 401, 'session_missing'],
		['another cookie but not the session', () => post('["a"]', { headers: { cookie: 'other=1' } }), 401, 'session_missing'],
		['a forged session id', () => post('["a"]', { headers: { cookie: 'blaize_session=forged-0000' } }), 401, 'session_invalid'],
		['an 8 KB session cookie', () => post('["a"]', { headers: { cookie: `blaize_session=${'x'.repeat(8000)}` } }), 401, 'session_invalid'],
		['a foreign origin', () => post('["a"]', { headers: { origin: 'https://evil.example' } }), 403, 'origin_not_allowed'],
		['a look-alike origin', () => post('["a"]', { headers: { origin: 'https://www.publisher.test.evil.example' } }), 403, 'origin_not_allowed'],
		['an inactive host', () => post('["a"]', { headers: { host: 'old.publisher.test' } }), 404, 'site_not_active'],
		['an unknown host', () => post('["a"]', { headers: { host: 'elsewhere.test' } }), 404, 'site_not_active'],
	];

	it.each(malformed)('answers %s with the right 4xx and a JSON error, and keeps serving', async (_name, attempt, status, code) => {
		const before = await heldSegments();
		const response = await attempt();
		expect(response.status).toBe(status);
		expect(errorCode(response)).toBe(code);
		expect(typeof (response.json as { error: { message: unknown } }).error.message).toBe('string');
		expect(await heldSegments()).toEqual(before); // nothing stored from a refused report
		const health = await send(`${running.url}/healthz`);
		expect(health.status).toBe(200);
	});

	it('refuses an expired session', async () => {
		const shortLived = await startCollector(testConfig({ session: { validate: { type: 'memory', ttlSeconds: 1 } } }));
		try {
			const id = shortLived.collector.memorySessions!.create();
			await new Promise((resolve) => setTimeout(resolve, 1100));
			const response = await send(`${shortLived.url}${path}`, {
				method: 'POST',
				body: '["a"]',
				headers: { host, 'content-type': 'application/json', cookie: `blaize_session=${id}` },
			});
			expect(response.status).toBe(401);
			expect(response.json).toEqual({ error: { code: 'session_invalid', message: 'the blaize_session session has expired' } });
		} finally {
			await shortLived.stop();
		}
	});

	it('answers 405 with a JSON error for another method', async () => {
		const response = await send(`${running.url}${path}`, { method: 'PUT', headers: { host } });
		expect(response.status).toBe(405);
		expect(errorCode(response)).toBe('method_not_allowed');
	});

	it('answers every host when sites is "*"', async () => {
		const open = await startCollector(testConfig({ sites: '*' }));
		try {
			const id = open.collector.memorySessions!.create();
			const response = await send(`${open.url}${path}`, {
				method: 'POST',
				body: '["a"]',
				headers: { host: 'anything.test', 'content-type': 'application/json', cookie: `blaize_session=${id}` },
			});
			expect(response.status).toBe(204);
		} finally {
			await open.stop();
		}
	});
});

describe('CORS on the segment listener', () => {
	it('echoes an allowed origin exactly, with credentials', async () => {
		const response = await post('["cors"]', { headers: { origin: 'http://app.publisher.test:8080' } });
		expect(response.status).toBe(204);
		expect(response.headers['access-control-allow-origin']).toBe('http://app.publisher.test:8080');
		expect(response.headers['access-control-allow-credentials']).toBe('true');
		expect(response.headers.vary).toContain('Origin');
	});

	it('sends CORS headers on errors too, so the page can read them', async () => {
		const response = await post('[1]', { headers: { origin: 'http://app.publisher.test:8080' } });
		expect(response.status).toBe(400);
		expect(response.headers['access-control-allow-origin']).toBe('http://app.publisher.test:8080');
	});

	it('needs no CORS headers for a same-origin request', async () => {
		const response = await post('["same"]', { headers: { origin: `https://${host}` } });
		expect(response.status).toBe(204);
		expect(response.headers['access-control-allow-origin']).toBeUndefined();
	});

	it('answers a preflight from an allowed origin', async () => {
		const response = await send(`${running.url}${path}`, {
			method: 'OPTIONS',
			headers: {
				host,
				origin: 'http://app.publisher.test:8080',
				'access-control-request-method': 'POST',
				'access-control-request-headers': 'content-type',
			},
		});
		expect(response.status).toBe(204);
		expect(response.headers['access-control-allow-origin']).toBe('http://app.publisher.test:8080');
		expect(response.headers['access-control-allow-credentials']).toBe('true');
		expect(response.headers['access-control-allow-methods']).toBe('POST');
		expect(response.headers['access-control-allow-headers']).toBe('Content-Type');
	});

	it('refuses a preflight from a foreign origin', async () => {
		const response = await send(`${running.url}${path}`, {
			method: 'OPTIONS',
			headers: { host, origin: 'https://evil.example', 'access-control-request-method': 'POST' },
		});
		expect(response.status).toBe(403);
		expect(response.headers['access-control-allow-origin']).toBeUndefined();
		expect(errorCode(response)).toBe('origin_not_allowed');
	});
});

describe('the per-session rate limit', () => {
	it('answers 429 with Retry-After past postsPerMinute, per session', async () => {
		const limited = await startCollector(testConfig({ segments: { postsPerMinute: 3 } }));
		try {
			const [first, second] = [limited.collector.memorySessions!.create(), limited.collector.memorySessions!.create()];
			const report = (id: string) =>
				send(`${limited.url}${path}`, {
					method: 'POST',
					body: '["a"]',
					headers: { host, 'content-type': 'application/json', cookie: `blaize_session=${id}` },
				});
			for (let i = 0; i < 3; i++) expect((await report(first)).status).toBe(204);
			const refused = await report(first);
			expect(refused.status).toBe(429);
			expect(errorCode(refused)).toBe('too_many_reports');
			expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
			expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
			expect((await report(second)).status).toBe(204);
		} finally {
			await limited.stop();
		}
	});
});
