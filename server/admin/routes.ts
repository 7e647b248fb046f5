import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type Router from '@koa/router';
import type { LiveConfig } from '../config/live-config.js';
import { HttpError } from '../errors/http-error.js';
import { readJsonBody } from '../http/json-body.js';
import type { ProfileSync } from '../profile-sync/index.js';
import type { CollectorParts } from '../routes/parts.js';
import { retryAfterSeconds } from '../utils/backoff.js';
import { packageRoot } from '../utils/package-root.js';
import { isAdminKey } from './admin-key.js';
import { AdminSessions, sessionLifetimeMs } from './admin-sessions.js';
import { BlueConicCatalog } from './blueconic-catalog.js';
import { credentialsInForce, resolveBaseUrl, resolveCredential } from './blueconic-credentials.js';
import { ConsoleTokens } from './blueconic-tokens.js';
import { answerCheck, answerSave } from './config-answers.js';
import { candidateOf, requireTypedCredentials, sectionsOf } from './config-sections.js';
import { ConsoleAssets } from './console-assets.js';
import { consoleOn, consolePath, consoleStateOf, csrfChecked, requireJsonType, sessionCookieName, signedIn } from './console-guard.js';
import { readStatus } from './console-status.js';
import { testConnection } from './connection-test.js';
import { testDecisions } from './decision-tester.js';
import { checkMapping } from './mapping-check.js';
import { cameOverHttps, clientKeyOf, refuseCrossSite } from './request-origin.js';
import { SignInThrottle } from './sign-in-throttle.js';
import { acceptedTypes } from './accepted-types.js';

export interface AdminRouteOptions {
	/** Live configuration (`collector.live`): what the config API reads, checks and saves. */
	readonly live: LiveConfig;
	/** Profile sync as built so far (it appears when a `blueconic` section does, also live). */
	readonly profileSync: () => ProfileSync | undefined;
	/** The console's build output: `index.html` and `assets/`. */
	readonly assetsPath: string;
	readonly fetch?: typeof fetch;
	readonly now?: () => number;
}

const api = `${consolePath}/api`;
const smallBody = { maxBytes: 16 * 1024, mediaTypes: ['application/json'] };
const configBody = { maxBytes: 512 * 1024, mediaTypes: ['application/json'] };
const pageSize = 50;

/**
 * The admin console at /plugins/blueconic/admin/: its pages and its JSON API (docs/admin.md, ADMIN-API.md). Every
 * route starts with `consoleOn` (404 without `adminKeys`); the API with `signedIn`, writes with `csrfChecked`.
 */
export function adminRoutes(router: Router, parts: CollectorParts, options: AdminRouteOptions): void {
	const { settings, store, sessions, blueconicSegments, metrics, logger } = parts;
	const now = options.now ?? Date.now;
	const fetchFn = options.fetch ?? globalThis.fetch;
	const adminSessions = new AdminSessions({ now });
	const throttle = new SignInThrottle({ now });
	const tokens = new ConsoleTokens({ fetch: fetchFn, now, logger });
	const catalog = new BlueConicCatalog({ tokens, fetch: fetchFn, now });
	const assets = new ConsoleAssets(options.assetsPath);
	const startedAtMs = now();
	const version = packageVersion();
	const on = consoleOn(() => settings().config);
	const session = signedIn(adminSessions);
	const write = csrfChecked(adminSessions);

	// Pages: the UI, which signs in through the API.
	// The router takes the path with and without its trailing slash here.
	router.get(consolePath, on, async (ctx) => {
		if (!ctx.path.endsWith('/')) {
			// The page's relative `./assets/...` links resolve against the slash form only.
			ctx.status = 308;
			ctx.redirect(`${consolePath}/`);
			return;
		}
		const page = await assets.indexPage();
		ctx.type = page.contentType;
		ctx.body = page.bytes;
	});
	router.get(`${consolePath}/assets/:name`, on, async (ctx) => {
		const file = await assets.asset(ctx.params.name ?? '');
		ctx.type = file.contentType;
		ctx.body = file.bytes;
	});

	// Sign-in, session, sign-out.
	router.post(`${api}/session`, on, async (ctx) => {
		const { config, adminKeys } = consoleStateOf(ctx);
		requireJsonType(ctx);
		refuseCrossSite(ctx);
		const client = clientKeyOf(ctx, config);
		const body = (await readJsonBody(ctx.req, smallBody)) as { key?: unknown } | null;
		// Checked after the body, with no await between the check and the failure it records: guesses sent all at
		// once are counted one by one instead of all passing a check made before any of them failed.
		const waitMs = throttle.waitMsFor(client);
		if (waitMs > 0) {
			throw new HttpError(429, 'too_many_attempts', 'too many wrong admin keys from this address; wait before trying again', {
				'Retry-After': retryAfterSeconds(waitMs),
			});
		}
		const key = body?.key;
		if (typeof key !== 'string' || key.length > 1_000 || !isAdminKey(adminKeys, key)) {
			throttle.recordFailure(client);
			logger.warn({ route: `${api}/session` }, 'console sign-in refused: wrong admin key');
			throw new HttpError(401, 'admin_key_invalid', 'this is not one of the configured admin keys');
		}
		throttle.recordSuccess(client);
		const { token } = adminSessions.issue(adminKeys);
		ctx.append('Set-Cookie', sessionCookie(token, Math.floor(sessionLifetimeMs / 1000), cameOverHttps(ctx, config)));
		logger.info({ route: `${api}/session` }, 'console sign-in');
		ctx.body = { csrfToken: adminSessions.csrfTokenOf(adminKeys, token) };
	});
	router.get(`${api}/session`, on, session, (ctx) => {
		const { adminKeys, sessionToken } = consoleStateOf(ctx);
		ctx.body = { csrfToken: adminSessions.csrfTokenOf(adminKeys, sessionToken ?? '') };
	});
	router.delete(`${api}/session`, on, write, (ctx) => {
		const { config, sessionToken } = consoleStateOf(ctx);
		if (sessionToken !== undefined) adminSessions.revoke(sessionToken);
		ctx.append('Set-Cookie', sessionCookie('', 0, cameOverHttps(ctx, config)));
		ctx.status = 204;
	});

	// Configuration.
	router.get(`${api}/config`, on, session, (ctx) => {
		const { live } = options;
		const file = live.file();
		ctx.body = {
			file: file === undefined ? null : { name: basename(file.path), writable: file.writable },
			sections: sectionsOf(live.source()),
			types: acceptedTypes,
		};
	});
	router.post(`${api}/config/check`, on, write, async (ctx) => {
		const { live } = options;
		const candidate = candidateOf(live.source(), sectionsOfBody(await readJsonBody(ctx.req, configBody)));
		answerCheck(ctx, live.check(candidate));
	});
	router.put(`${api}/config`, on, write, async (ctx) => {
		const { live } = options;
		const candidate = candidateOf(live.source(), sectionsOfBody(await readJsonBody(ctx.req, configBody)));
		answerSave(ctx, await live.save(candidate), candidate);
		logger.info({ route: `${api}/config`, status: ctx.status }, 'console configuration save');
	});

	// BlueConic.
	router.post(`${api}/blueconic/test-connection`, on, write, async (ctx) => {
		const { config } = consoleStateOf(ctx);
		const body = asObject(await readJsonBody(ctx.req, smallBody));
		const inForce = config.blueconic;
		const baseUrl = resolveBaseUrl(body.baseUrl ?? inForce?.baseUrl);
		if (baseUrl !== inForce?.baseUrl) requireTypedCredentials(body);
		const credentials = {
			baseUrl,
			clientId: resolveCredential(body.clientId ?? { keep: true }, 'clientId', inForce?.clientId),
			clientSecret: resolveCredential(body.clientSecret ?? { keep: true }, 'clientSecret', inForce?.clientSecret),
			timeoutMs: inForce?.timeoutMs ?? 10_000,
		};
		ctx.body = await testConnection(credentials, { fetch: fetchFn, now, logger });
	});
	router.get(`${api}/blueconic/segments`, on, session, async (ctx) => {
		const { config } = consoleStateOf(ctx);
		const search = (typeof ctx.query.search === 'string' ? ctx.query.search : '').slice(0, 200).toLowerCase();
		const page = Math.max(1, Math.min(1_000_000, Number.parseInt(String(ctx.query.page ?? '1'), 10) || 1));
		const all = await catalog.segments(credentialsInForce(config));
		const matching = search === '' ? all : all.filter(({ name }) => name.toLowerCase().includes(search));
		ctx.body = { segments: matching.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: matching.length };
	});
	router.post(`${api}/blueconic/check-mapping`, on, write, async (ctx) => {
		const { config } = consoleStateOf(ctx);
		const body = asObject(await readJsonBody(ctx.req, configBody));
		const mapping = body.profileMapping === undefined ? (config.profileMapping ?? {}) : asObject(body.profileMapping, 'profileMapping');
		const properties = await catalog.profileProperties(credentialsInForce(config));
		ctx.body = { properties: properties.length, findings: checkMapping(mapping, properties) };
	});

	// Status and the decision tester.
	router.get(`${api}/status`, on, session, async (ctx) => {
		const { config } = consoleStateOf(ctx);
		ctx.body = await readStatus(metrics.registry, {
			profileSyncConfigured: config.blueconic !== undefined,
			recentFailures: options.profileSync()?.recentFailures() ?? [],
			startedAtMs,
			version,
			now,
		});
	});
	router.post(`${api}/decision-test`, on, write, async (ctx) => {
		const { config } = consoleStateOf(ctx);
		const sessionId = asObject(await readJsonBody(ctx.req, smallBody)).session;
		if (typeof sessionId !== 'string' || sessionId === '' || sessionId.length > 4096) {
			throw new HttpError(400, 'invalid_request', 'session: must be a session id (1 to 4096 characters)');
		}
		ctx.body = await testDecisions(sessionId, { config, store, sessions, blueconicSegments });
	});
}

function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
	return `${sessionCookieName}=${token}; Path=${consolePath}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function sectionsOfBody(body: unknown): unknown {
	return asObject(body).sections;
}

function asObject(value: unknown, field = 'body'): Record<string, unknown> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		throw new HttpError(400, 'invalid_request', `${field}: must be a JSON object`);
	}
	return value as Record<string, unknown>;
}

function packageVersion(): string {
	try {
		return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
	} catch {
		return 'unknown';
	}
}
