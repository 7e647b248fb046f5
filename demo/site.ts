import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import getRawBody from 'raw-body';
import type { DecisionClient } from '../client/index.js';
import type { MemorySessions } from '../server/index.js';
import { sessionCookieName } from './config.js';
import { renderPage } from './page.js';
import type { PublicFile } from './public-files.js';

/** The Content-Security-Policy of the page: scripts, styles and requests only from this origin. */
const contentSecurityPolicy = [
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self'",
	"connect-src 'self'",
	"img-src 'self'",
	"form-action 'self'",
	"base-uri 'none'",
	"frame-ancestors 'none'",
].join('; ');

export interface SiteParts {
	sessions: MemorySessions;
	/** The site backend's client of the collector; set once the server is listening and its URL is known. */
	decisionClient: () => DecisionClient;
	publicFiles: ReadonlyMap<string, PublicFile>;
}

/** The demo publisher's own routes: the page, sign-in, sign-out, the page's state, and its static files. */
export function createSite({ sessions, decisionClient, publicFiles }: SiteParts): Koa {
	const router = new Router();

	router.get('/', async (ctx) => {
		const session = await currentSession(ctx, sessions);
		ctx.set('Content-Security-Policy', contentSecurityPolicy);
		ctx.set('Cache-Control', 'no-store');
		ctx.type = 'text/html; charset=utf-8';
		ctx.body = renderPage({ email: session?.email });
	});

	router.post('/login', async (ctx) => {
		requireSameOrigin(ctx);
		const form = new URLSearchParams(await getRawBody(ctx.req, { limit: 4096, encoding: 'utf8' }));
		const email = (form.get('email') ?? '').trim().slice(0, 200) || 'reader@example.com';
		const previous = ctx.cookies.get(sessionCookieName);
		if (previous) sessions.end(previous);
		ctx.cookies.set(sessionCookieName, sessions.create({ email }), { httpOnly: true, sameSite: 'lax', path: '/', overwrite: true });
		ctx.redirect('/');
		ctx.status = 303;
	});

	router.post('/logout', (ctx) => {
		requireSameOrigin(ctx);
		const sessionId = ctx.cookies.get(sessionCookieName);
		if (sessionId) sessions.end(sessionId);
		ctx.cookies.set(sessionCookieName, null, { httpOnly: true, sameSite: 'lax', path: '/', overwrite: true });
		ctx.redirect('/');
		ctx.status = 303;
	});

	// What the page shows as "what the collector holds": asked server-side, as a publisher's backend would.
	router.get('/demo/state', async (ctx) => {
		const session = await currentSession(ctx, sessions);
		ctx.set('Cache-Control', 'no-store');
		if (!session) {
			ctx.body = { signedIn: false };
			return;
		}
		const held = await decisionClient().sessionSegments(session.sessionId);
		ctx.body = {
			signedIn: true,
			email: session.email,
			held: held ? { segments: held.segments, updatedAt: held.updatedAt.toISOString() } : null,
		};
	});

	router.get('/demo/:file', (ctx) => {
		const file = publicFiles.get(ctx.params.file ?? '');
		if (!file) return;
		ctx.set('Cache-Control', 'no-cache');
		ctx.type = file.contentType;
		ctx.body = file.content;
	});

	const app = new Koa();
	app.use(async (ctx, next) => {
		ctx.set('X-Content-Type-Options', 'nosniff');
		try {
			await next();
		} catch (error) {
			const status = (error as { status?: number }).status ?? 500;
			ctx.status = status;
			ctx.body = { error: { code: status === 500 ? 'internal_error' : 'bad_request', message: (error as Error).message } };
			if (status === 500) console.error('[demo]', error);
		}
	});
	app.use(router.routes());
	return app;
}

/** The paths the site answers; every other request goes to the collector. */
export function isSitePath(path: string): boolean {
	return path === '/' || path === '/login' || path === '/logout' || path.startsWith('/demo/');
}

async function currentSession(
	ctx: Context,
	sessions: MemorySessions,
): Promise<{ sessionId: string; email: string | undefined } | undefined> {
	const cookieValue = ctx.cookies.get(sessionCookieName);
	if (!cookieValue) return undefined;
	const check = await sessions.validate(cookieValue);
	return check.status === 'valid' ? { sessionId: check.sessionId, email: check.identity?.email } : undefined;
}

/** A form post from another site must not sign the visitor in or out. */
function requireSameOrigin(ctx: Context): void {
	const origin = ctx.get('origin');
	if (origin !== '' && origin !== ctx.origin) ctx.throw(403, 'forms are accepted from this site only');
}
