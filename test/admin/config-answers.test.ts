import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { answerCheck, answerSave } from '../../server/admin/config-answers.js';

/** The two fields of a Koa context the answers set. */
function answered(set: (ctx: Context) => void): { status: number; body: unknown } {
	const ctx = { status: 404, body: undefined } as unknown as Context;
	set(ctx);
	return { status: ctx.status, body: ctx.body };
}

const problems = [{ path: 'store.type', message: 'changed: this field cannot change while the collector runs; restart the collector to apply it' }];

// Every console section is live-applicable, so no console save meets restart_required today: the mapping is
// proven here, on LiveConfig's own results.
describe('LiveConfig results as console answers', () => {
	it('answers restart_required 409 with its problems, from a check and from a save', () => {
		const expected = { status: 409, body: { error: { code: 'restart_required', message: expect.any(String) }, problems } };
		expect(answered((ctx) => answerCheck(ctx, { status: 'restart_required', problems }))).toEqual(expected);
		expect(answered((ctx) => answerSave(ctx, { status: 'restart_required', problems }, {}))).toEqual(expected);
	});

	it('answers invalid 400 invalid_config with its problems', () => {
		expect(answered((ctx) => answerCheck(ctx, { status: 'invalid', problems }))).toEqual({
			status: 400,
			body: { error: { code: 'invalid_config', message: expect.stringContaining('1 problem') }, problems },
		});
	});

	it('answers read_only 409 with the candidate to download, its written secrets replaced', () => {
		const candidate = { apiKeys: ['backend-key-0123456789', 'env:BRIDGE_API_KEY'], blueconic: { baseUrl: 'x', clientSecret: 'shh-secret' } };
		const { status, body } = answered((ctx) => answerSave(ctx, { status: 'read_only', message: 'the file is read-only' }, candidate));
		expect(status).toBe(409);
		expect(body).toMatchObject({ error: { code: 'config_read_only', message: 'the file is read-only' } });
		const download = (body as { download: { apiKeys: string[]; blueconic: { clientSecret: string } } }).download;
		expect(download.apiKeys[1]).toBe('env:BRIDGE_API_KEY');
		expect(download.apiKeys[0]).toMatch(/^env:/);
		expect(download.blueconic.clientSecret).toMatch(/^env:/);
		expect(JSON.stringify(body)).not.toContain('backend-key-0123456789');
		expect(JSON.stringify(body)).not.toContain('shh-secret');
	});
});
