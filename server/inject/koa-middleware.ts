import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Middleware } from 'koa';
import { injectionFromOptions, type ScriptInjectionOptions } from './options.js';

/**
 * Adds the SDK's script tag to the HTML pages the middlewares after it answer with: `app.use(koaScriptInjection())`
 * early, before the routes (and after a compression middleware, if you use one, so that it compresses the result).
 * The body may be a string, a Buffer, a Node stream, a web ReadableStream, a Blob or a Response; it becomes a
 * stream, read and rewritten as Koa sends it. Throws a `TypeError` naming a bad option.
 */
export function koaScriptInjection(options: ScriptInjectionOptions = {}): Middleware {
	const injection = injectionFromOptions(options, 'koaScriptInjection');
	return async (ctx, next) => {
		await next();
		// `respond = false`: the handler wrote the answer itself, past Koa (use scriptInjection on ctx.res for that).
		if (ctx.respond === false || ctx.body === null || ctx.body === undefined) return;
		const prepared = injection.prepare(ctx.method, ctx.status, (name) => {
			const value = ctx.response.get(name) as string | string[];
			return value === '' ? undefined : Array.isArray(value) ? value.join(', ') : value;
		});
		if (!prepared.inject) return;
		const source = bodyStream(ctx.body);
		if (source === undefined) return;
		for (const name of prepared.removeHeaders) ctx.remove(name);
		for (const [name, value] of prepared.setHeaders) ctx.set(name, value);
		const output = prepared.stages.at(-1) as NodeJS.ReadableStream & Readable;
		pipeline([source, ...prepared.stages], (error) => {
			if (error && !ctx.res.destroyed) injection.noteFailure(error);
		});
		ctx.body = output;
	};
}

/** The body as a Node stream; undefined for a body that is no page (a JSON object). */
function bodyStream(body: unknown): Readable | undefined {
	if (typeof body === 'string') return Readable.from([Buffer.from(body, 'utf8')]);
	if (Buffer.isBuffer(body)) return Readable.from([body]);
	if (body instanceof Readable) return body;
	if (body instanceof ReadableStream) return Readable.fromWeb(body as NodeReadableStream);
	if (body instanceof Blob) return Readable.fromWeb(body.stream() as NodeReadableStream);
	if (body instanceof Response) return body.body ? Readable.fromWeb(body.body as NodeReadableStream) : undefined;
	return undefined;
}
