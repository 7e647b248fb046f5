import type { Logger } from '../logger.js';
import { Injection } from './injection.js';
import { resolveScriptTag, type ScriptTagOptions } from './script-tag.js';

/** Options of the injection middlewares (node:http and Express, Koa). */
export interface ScriptInjectionOptions extends ScriptTagOptions {
	/** Where an unusual skip (an unknown Content-Encoding, `no-transform`) and a page cut short are logged. */
	logger?: Logger;
}

const optionNames = new Set(['scriptUrl', 'endpoint', 'attributes', 'logger']);

/** Checks a middleware's options once, loudly: a `TypeError` naming `owner` and the option. */
export function injectionFromOptions(options: ScriptInjectionOptions, owner: string): Injection {
	if (typeof options !== 'object' || options === null) throw new TypeError(`${owner}: options must be an object`);
	for (const name of Object.keys(options)) {
		if (!optionNames.has(name)) throw new TypeError(`${owner}: unknown option "${name}" (known: ${[...optionNames].join(', ')})`);
	}
	return new Injection(resolveScriptTag(options, owner), options.logger);
}
