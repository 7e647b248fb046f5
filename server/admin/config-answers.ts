import type { Context } from 'koa';
import type { ConfigChangeResult, ConfigCheck } from '../config/live-config.js';
import { withoutWrittenSecrets } from './config-sections.js';

/** `LiveConfig.check` as the console's answer: 200 valid, 400 `invalid_config`, 409 `restart_required`. */
export function answerCheck(ctx: Context, check: ConfigCheck): void {
	if (check.status === 'valid') {
		ctx.body = { status: 'valid', changed: check.changed };
		return;
	}
	refuse(ctx, check);
}

/** `LiveConfig.save` as the console's answer; read-only adds the configuration to download, its secrets left out. */
export function answerSave(ctx: Context, result: ConfigChangeResult, candidate: Record<string, unknown>): void {
	switch (result.status) {
		case 'applied':
			ctx.body = { status: 'applied', changed: result.changed, written: result.written };
			return;
		case 'unchanged':
			ctx.body = { status: 'unchanged' };
			return;
		case 'read_only':
			ctx.status = 409;
			ctx.body = { error: { code: 'config_read_only', message: result.message }, download: withoutWrittenSecrets(candidate) };
			return;
		default:
			refuse(ctx, result);
	}
}

function refuse(ctx: Context, result: Extract<ConfigCheck, { status: 'invalid' | 'restart_required' }>): void {
	if (result.status === 'invalid') {
		ctx.status = 400;
		ctx.body = { error: { code: 'invalid_config', message: problemsMessage('the configuration is not valid', result.problems.length) }, problems: result.problems };
	} else {
		ctx.status = 409;
		ctx.body = {
			error: { code: 'restart_required', message: 'these changes apply only after a restart of the collector' },
			problems: result.problems,
		};
	}
}

function problemsMessage(what: string, count: number): string {
	return `${what}: ${count} problem${count === 1 ? '' : 's'}, each at its field`;
}
