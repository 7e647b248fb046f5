import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of BlueConic's REST API v2 on 127.0.0.1 (random port), faithful to what the profile sync relies on:
 * OAuth 2.0 client credentials with expiring tokens, `PUT /rest/v2/profiles` with matching, UPSERT and consent,
 * its limits (1000 entries, 413) and error shapes, plus switches to inject failures. Used by tests and the demo.
 * Also the two catalogs the admin console reads, paged as BlueConic pages them: `GET /rest/v2/segments` and
 * `GET /rest/v2/profileProperties` (`startIndex`, `count` → `itemsPerPage`, `totalPages`, `totalResults`).
 * A token requested with a `scope` carries only those scopes, and the catalogs check theirs (403 otherwise); a token
 * requested without one may do everything, as the profile sync's tests expect.
 */

export interface FakeBlueConicOptions {
	readonly clientId?: string;
	readonly clientSecret?: string;
	/** `expires_in` of issued tokens; the fake refuses a token after that. Default 3600. */
	readonly tokenLifetimeSeconds?: number;
	/** The property `profiles` is keyed by. Default `email`. */
	readonly emailPropertyId?: string;
	/** Entries `PUT /rest/v2/profiles` takes before answering 413. Default 1000, as BlueConic. */
	readonly maxEntries?: number;
	readonly port?: number;
	readonly now?: () => number;
	/** What `GET /rest/v2/segments` lists. Default: none. */
	readonly segments?: readonly FakeSegment[];
	/** What `GET /rest/v2/profileProperties` lists. Default: `email` (EMAIL) and `zephr_tracking_id` (SELECT). */
	readonly profileProperties?: readonly FakeProfileProperty[];
}

/** A segment as `GET /rest/v2/segments` lists it (BlueConic also sends tags, counts and dates). */
export interface FakeSegment {
	readonly id: string;
	readonly name: string;
	readonly description?: string;
}

/** A profile property as `GET /rest/v2/profileProperties` lists it; `filterType` is the REST type name (SELECT, RANGE...). */
export interface FakeProfileProperty {
	readonly id: string;
	readonly name?: string;
	readonly filterType: string;
}

export interface FakeProfile {
	readonly id: string;
	/** Property id → values, as BlueConic stores them (strings). */
	readonly properties: Record<string, string[]>;
	/** How many writes changed this profile (CREATED counts as one). */
	writes: number;
}

export interface LoggedRequest {
	readonly method: string;
	readonly path: string;
	readonly query: Readonly<Record<string, string>>;
	readonly authorization: string | undefined;
	/** Parsed JSON for profile writes, the form fields for token requests (secret included: it is a fake). */
	readonly body: unknown;
	status: number;
	/** `Date.now()` when the request's body had arrived. */
	readonly receivedAt: number;
	/** Set when an injected fault answered instead of the fake's normal behaviour. */
	fault?: FaultKind;
}

export type FaultKind = 'status' | 'delay' | 'drop' | 'rewrite';

/** What an injected fault does to a request it matches. */
export type Fault =
	| {
			readonly kind: 'status';
			readonly status: number;
			/** `Retry-After` in any form (seconds, a date, 400 digits, garbage) goes here. */
			readonly headers?: Record<string, string>;
			readonly body?: unknown;
			/** Sent as is instead of `body` as JSON, e.g. a 200 whose JSON breaks off. */
			readonly rawBody?: string;
	  }
	/**
	 * Handle the request normally (profiles are stored, tokens issued), then answer `rewrite(answer)` instead of the
	 * 200 answer: results with other identifiers, reordered or dropped. A string is sent as is (broken JSON).
	 */
	| { readonly kind: 'rewrite'; readonly rewrite: (answer: unknown) => unknown }
	/** Wait, then answer normally: a slow BlueConic (or, past the client's timeout, a timed-out request). */
	| {
			readonly kind: 'delay';
			readonly delayMs: number;
			/** Ends the wait early when it resolves: a test holds an answer until it has looked at the state. */
			readonly release?: Promise<void>;
	  }
	/** Close the connection without answering: a network error. */
	| { readonly kind: 'drop' };

export interface FaultInjection {
	/** How many matching requests get the fault. Default 1; `Infinity` until removed. */
	readonly times?: number;
	/**
	 * Which requests: profile writes (default), token requests, profile reads (`GET /rest/v2/profiles...`), the
	 * catalogs (`GET /rest/v2/segments`, `/rest/v2/profileProperties`), or any.
	 */
	readonly target?: FaultTarget;
	/** Narrows the target further. */
	readonly when?: (request: LoggedRequest) => boolean;
}

export type FaultTarget = 'profiles' | 'token' | 'profile-reads' | 'catalogs' | 'any';

export interface InjectedFault {
	remaining(): number;
	remove(): void;
}

export interface FakeBlueConic {
	readonly url: string;
	/** Stored profiles by their email property's (first) value. */
	readonly profiles: Map<string, FakeProfile>;
	/** Every request received, in arrival order. */
	readonly requests: LoggedRequest[];
	/** Entries received by `PUT /rest/v2/profiles` that answered 200, in order (for counting duplicates). */
	readonly acceptedEntries: { email: string | undefined; identifier: string | undefined }[];
	readonly stats: { tokensIssued: number; inFlight: number; maxInFlight: number };
	inject(fault: Fault & FaultInjection): InjectedFault;
	/** Profiles with this email consent to these objectives (also before the profile exists). */
	setConsentedObjectives(email: string, objectiveIds: readonly string[]): void;
	/**
	 * The dynamic segments the profile with this email is in now (`GET /rest/v2/profiles/{id}?expand=profile.segments`);
	 * creates the profile if there is none. Returns its id.
	 */
	setSegments(email: string, segments: readonly { id: string; name?: string }[]): string;
	/** Makes every token issued so far invalid, as if they had expired or were revoked. */
	expireTokens(): void;
	/** Replaces what `GET /rest/v2/segments` lists. */
	setCatalogSegments(segments: readonly FakeSegment[]): void;
	/** Replaces what `GET /rest/v2/profileProperties` lists. */
	setProfileProperties(properties: readonly FakeProfileProperty[]): void;
	close(): Promise<void>;
}

const profileStrategies = new Set(['UPSERT', 'UPDATE', 'CREATE']);
const propertyStrategies = new Set(['SET', 'ADD', 'SET_IF_EMPTY', 'INCREMENT', 'REMOVE']);

interface ActiveFault {
	readonly fault: Fault;
	remaining: number;
	readonly target: FaultTarget;
	readonly when: ((request: LoggedRequest) => boolean) | undefined;
}

interface IssuedToken {
	readonly expiresAt: number;
	/** `undefined`: requested without a scope, allowed everything. */
	readonly scopes: ReadonlySet<string> | undefined;
}

interface WireEntry {
	matching: { id: string; value: string }[][];
	properties: { id: string; values: string[]; strategy: string }[];
	strategy: string;
	identifier?: string;
}

export async function startFakeBlueConic(options: FakeBlueConicOptions = {}): Promise<FakeBlueConic> {
	const clientId = options.clientId ?? 'test-client';
	const clientSecret = options.clientSecret ?? 'test-secret';
	const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
	const emailPropertyId = options.emailPropertyId ?? 'email';
	const maxEntries = options.maxEntries ?? 1000;
	const now = options.now ?? Date.now;

	const tokens = new Map<string, IssuedToken>();
	let catalogSegments: readonly FakeSegment[] = options.segments ?? [];
	let profileProperties: readonly FakeProfileProperty[] = options.profileProperties ?? [
		{ id: emailPropertyId, name: 'Email', filterType: 'EMAIL' },
		{ id: 'zephr_tracking_id', name: 'Zephr tracking id', filterType: 'SELECT' },
	];
	const profilesById = new Map<string, FakeProfile>();
	const profiles = new Map<string, FakeProfile>();
	// property id → value → profile ids, so matching stays fast with tens of thousands of profiles.
	const index = new Map<string, Map<string, Set<string>>>();
	const consentByEmail = new Map<string, Set<string>>();
	const segmentsByProfileId = new Map<string, { id: string; name: string }[]>();
	const faults: ActiveFault[] = [];
	const requests: LoggedRequest[] = [];
	const acceptedEntries: FakeBlueConic['acceptedEntries'] = [];
	const stats = { tokensIssued: 0, inFlight: 0, maxInFlight: 0 };
	let nextProfileNumber = 1;

	function indexProfile(profile: FakeProfile, change: 'add' | 'remove'): void {
		for (const [propertyId, values] of Object.entries(profile.properties)) {
			let byValue = index.get(propertyId);
			if (!byValue) index.set(propertyId, (byValue = new Map()));
			for (const value of values) {
				let ids = byValue.get(value);
				if (!ids) byValue.set(value, (ids = new Set()));
				if (change === 'add') ids.add(profile.id);
				else ids.delete(profile.id);
			}
		}
		const email = profile.properties[emailPropertyId]?.[0];
		if (email !== undefined) {
			if (change === 'add') profiles.set(email, profile);
			else if (profiles.get(email) === profile) profiles.delete(email);
		}
	}

	/** OR over the outer array, AND over each inner one. */
	function findProfile(matching: WireEntry['matching']): FakeProfile | undefined {
		for (const conditions of matching) {
			let candidates: Set<string> | undefined;
			for (const { id, value } of conditions) {
				const ids = index.get(id)?.get(value) ?? new Set<string>();
				candidates = candidates === undefined ? new Set(ids) : new Set([...candidates].filter((candidate) => ids.has(candidate)));
			}
			const [first] = candidates ?? [];
			if (first !== undefined) return profilesById.get(first);
		}
		return undefined;
	}

	function applyProperties(current: Record<string, string[]>, writes: WireEntry['properties']): Record<string, string[]> {
		const next: Record<string, string[]> = structuredClone(current);
		for (const write of writes) {
			const existing = next[write.id] ?? [];
			switch (write.strategy) {
				case 'SET':
					next[write.id] = [...write.values];
					break;
				case 'ADD':
					next[write.id] = [...existing, ...write.values.filter((value) => !existing.includes(value))];
					break;
				case 'SET_IF_EMPTY':
					if (existing.length === 0) next[write.id] = [...write.values];
					break;
				case 'INCREMENT':
					next[write.id] = [String(Number(existing[0] ?? 0) + Number(write.values[0] ?? 0))];
					break;
				case 'REMOVE':
					next[write.id] = existing.filter((value) => !write.values.includes(value));
					break;
			}
			if (next[write.id]?.length === 0) delete next[write.id];
		}
		return next;
	}

	function hasConsent(properties: Record<string, string[]>, objectiveIds: readonly string[]): boolean {
		const email = properties[emailPropertyId]?.[0];
		const consented = email === undefined ? undefined : consentByEmail.get(email);
		return objectiveIds.every((objectiveId) => consented?.has(objectiveId) === true);
	}

	function writeEntry(entry: WireEntry, objectiveIds: readonly string[]) {
		const base = { identifier: entry.identifier, validationErrors: [] as unknown[] };
		const existing = findProfile(entry.matching);
		if (!existing) {
			if (entry.strategy === 'UPDATE') return { ...base, state: 'NOTFOUND' };
			const properties = applyProperties({}, entry.properties);
			if (!hasConsent(properties, objectiveIds)) return { ...base, state: 'CONSENT_MISMATCH' };
			const profile: FakeProfile = { id: `profile-${nextProfileNumber++}`, properties, writes: 1 };
			profilesById.set(profile.id, profile);
			indexProfile(profile, 'add');
			return { ...base, state: 'CREATED', profileId: profile.id };
		}
		if (entry.strategy === 'CREATE') return { ...base, state: 'SKIPPED', profileId: existing.id };
		if (!hasConsent(existing.properties, objectiveIds)) return { ...base, state: 'CONSENT_MISMATCH', profileId: existing.id };
		const properties = applyProperties(existing.properties, entry.properties);
		if (JSON.stringify(properties) === JSON.stringify(existing.properties)) {
			return { ...base, state: 'UNCHANGED', profileId: existing.id };
		}
		indexProfile(existing, 'remove');
		const updated: FakeProfile = { id: existing.id, properties, writes: existing.writes + 1 };
		profilesById.set(updated.id, updated);
		indexProfile(updated, 'add');
		return { ...base, state: 'MODIFIED', profileId: existing.id };
	}

	function handleToken(request: IncomingMessage, logged: LoggedRequest, bodyText: string, response: ServerResponse): void {
		const form = new URLSearchParams(bodyText);
		(logged as { body: unknown }).body = Object.fromEntries(form);
		const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
		const [basicId, basicSecret] = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
		if (form.get('grant_type') !== 'client_credentials') {
			sendJson(response, logged, 400, { error: 'unsupported_grant_type', error_description: 'Only client_credentials is supported' });
			return;
		}
		const id = form.get('client_id') ?? basicId;
		const secret = form.get('client_secret') ?? basicSecret;
		if (id !== clientId || secret !== clientSecret) {
			sendJson(response, logged, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
			return;
		}
		const accessToken = `fake-token-${++stats.tokensIssued}-${randomBytes(6).toString('hex')}`;
		const scope = form.get('scope');
		tokens.set(accessToken, {
			expiresAt: now() + tokenLifetimeSeconds * 1000,
			scopes: scope === null ? undefined : new Set(scope.split(' ').filter(Boolean)),
		});
		sendJson(response, logged, 200, {
			access_token: accessToken,
			token_type: 'Bearer',
			expires_in: tokenLifetimeSeconds,
			refresh_token: `refresh-${accessToken}`,
		});
	}

	function tokenOf(request: IncomingMessage): IssuedToken | undefined {
		const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
		const token = bearer === undefined ? undefined : tokens.get(bearer);
		return token !== undefined && now() < token.expiresAt ? token : undefined;
	}

	function isAuthorized(request: IncomingMessage): boolean {
		return tokenOf(request) !== undefined;
	}

	/** A catalog page as BlueConic pages it: `startIndex` (from 0) and `count` (default 100, at most 1000). */
	function handleCatalog(
		request: IncomingMessage,
		logged: LoggedRequest,
		response: ServerResponse,
		listName: 'segments' | 'profileProperties',
		scope: string,
		items: readonly unknown[],
	): void {
		const token = tokenOf(request);
		if (token === undefined) {
			sendJson(response, logged, 401, { code: 'UNAUTHORIZED', message: 'A valid access token is required', errors: [] });
			return;
		}
		if (token.scopes !== undefined && !token.scopes.has(scope)) {
			sendJson(response, logged, 403, { code: 'FORBIDDEN', message: `The access token lacks the scope ${scope}`, errors: [] });
			return;
		}
		if (request.method !== 'GET') {
			sendJson(response, logged, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed', errors: [] });
			return;
		}
		const startIndex = Math.max(0, Number.parseInt(logged.query.startIndex ?? '0', 10) || 0);
		const count = Math.min(1000, Math.max(1, Number.parseInt(logged.query.count ?? '100', 10) || 100));
		const page = items.slice(startIndex, startIndex + count);
		sendJson(response, logged, 200, {
			itemsPerPage: count,
			[listName]: page,
			startIndex,
			totalPages: Math.ceil(items.length / count),
			totalResults: items.length,
		});
	}

	function handlePutProfiles(logged: LoggedRequest, bodyText: string, response: ServerResponse): void {
		let body: unknown;
		try {
			body = JSON.parse(bodyText);
		} catch {
			sendJson(response, logged, 400, { code: 'INVALID_JSON', message: 'The request body is not valid JSON', errors: [] });
			return;
		}
		(logged as { body: unknown }).body = body;
		if (Array.isArray(body) && body.length > maxEntries) {
			sendJson(response, logged, 413, { code: 'TOO_MANY_ENTRIES', message: `At most ${maxEntries} entries per request`, errors: [] });
			return;
		}
		const errors = validateEntries(body);
		if (errors.length > 0) {
			sendJson(response, logged, 400, { code: 'INVALID_REQUEST', message: 'The request body is not valid', errors });
			return;
		}
		const objectiveIds = (logged.query.objectiveIds ?? '').split(',').filter(Boolean);
		const results = (body as WireEntry[]).map((entry) => writeEntry(entry, objectiveIds));
		for (const entry of body as WireEntry[]) {
			const email = entry.properties.find((property) => property.id === emailPropertyId)?.values[0];
			acceptedEntries.push({ email, identifier: entry.identifier });
		}
		sendJson(response, logged, 200, results);
	}

	function handleGetProfiles(logged: LoggedRequest, path: string, response: ServerResponse): void {
		const byId = /^\/rest\/v2\/profiles\/([^/]+)$/.exec(path);
		if (byId?.[1]) {
			const profile = profilesById.get(decodeURIComponent(byId[1]));
			if (!profile) sendJson(response, logged, 404, { code: 'NOT_FOUND', message: 'No such profile', errors: [] });
			else if ((logged.query.expand ?? '').split(',').includes('profile.segments')) {
				sendJson(response, logged, 200, { ...profileJson(profile), segments: segmentsByProfileId.get(profile.id) ?? [] });
			} else sendJson(response, logged, 200, profileJson(profile));
			return;
		}
		const { property, value } = logged.query;
		const ids = property !== undefined && value !== undefined ? (index.get(property)?.get(value) ?? new Set<string>()) : new Set(profilesById.keys());
		const found = [...ids].flatMap((id) => {
			const profile = profilesById.get(id);
			return profile ? [profileJson(profile)] : [];
		});
		sendJson(response, logged, 200, {
			profiles: found,
			itemsPerPage: Math.max(found.length, 1),
			startIndex: 0,
			totalPages: found.length === 0 ? 0 : 1,
			totalResults: found.length,
			total: found.length,
		});
	}

	function takeFault(logged: LoggedRequest): Fault | undefined {
		const isToken = logged.path === '/rest/v2/oauth/token';
		const isProfiles = logged.path === '/rest/v2/profiles' && logged.method === 'PUT';
		const isProfileRead = logged.path.startsWith('/rest/v2/profiles') && logged.method === 'GET';
		const isCatalog = logged.path === '/rest/v2/segments' || logged.path === '/rest/v2/profileProperties';
		for (const active of faults) {
			if (active.remaining <= 0) continue;
			const targeted =
				active.target === 'any' ||
				(active.target === 'token'
					? isToken
					: active.target === 'profile-reads'
						? isProfileRead
						: active.target === 'catalogs'
							? isCatalog
							: isProfiles);
			if (!targeted || (active.when && !active.when(logged))) continue;
			active.remaining--;
			return active.fault;
		}
		return undefined;
	}

	async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? '/', 'http://fake');
		const bodyText = await readBody(request);
		const logged: LoggedRequest = {
			method: request.method ?? 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			authorization: request.headers.authorization,
			body: parseJsonOr(bodyText),
			status: 0,
			receivedAt: Date.now(),
		};
		requests.push(logged);
		const fault = takeFault(logged);
		if (fault) {
			logged.fault = fault.kind;
			if (fault.kind === 'drop') {
				request.socket.destroy();
				return;
			}
			if (fault.kind === 'status') {
				if (fault.rawBody !== undefined) sendText(response, logged, fault.status, fault.rawBody, fault.headers);
				else sendJson(response, logged, fault.status, fault.body ?? { code: `HTTP_${fault.status}`, message: 'injected', errors: [] }, fault.headers);
				return;
			}
			if (fault.kind === 'rewrite') {
				answerRewrites.set(response, fault.rewrite);
			} else {
				// A client that gives up (timeout, interruption) ends the wait: no timer outlives the request.
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, fault.delayMs);
					response.once('close', () => {
						clearTimeout(timer);
						resolve();
					});
					void fault.release?.then(() => {
						clearTimeout(timer);
						resolve();
					});
				});
			}
			if (response.destroyed) return;
		}
		if (url.pathname === '/rest/v2/oauth/token' && request.method === 'POST') {
			handleToken(request, logged, bodyText, response);
		} else if (url.pathname === '/rest/v2/segments') {
			const segments = catalogSegments.map(({ id, name, description }) => ({
				id,
				name,
				description: description ?? '',
				tags: [],
				profileCount: 0,
				creationDate: '2026-01-01T00:00:00.000Z',
			}));
			handleCatalog(request, logged, response, 'segments', 'read:segments', segments);
		} else if (url.pathname === '/rest/v2/profileProperties') {
			const properties = profileProperties.map(({ id, name, filterType }) => ({
				id,
				name: name ?? id,
				filterType,
				indexed: id === emailPropertyId,
				isIdProperty: false,
				canWrite: true,
			}));
			handleCatalog(request, logged, response, 'profileProperties', 'read:profile-properties', properties);
		} else if (url.pathname.startsWith('/rest/v2/profiles')) {
			if (!isAuthorized(request)) {
				sendJson(response, logged, 401, { code: 'UNAUTHORIZED', message: 'A valid access token is required', errors: [] });
			} else if (request.method === 'PUT' && url.pathname === '/rest/v2/profiles') {
				handlePutProfiles(logged, bodyText, response);
			} else if (request.method === 'GET') {
				handleGetProfiles(logged, url.pathname, response);
			} else {
				sendJson(response, logged, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed', errors: [] });
			}
		} else {
			sendJson(response, logged, 404, { code: 'NOT_FOUND', message: 'Not found', errors: [] });
		}
	}

	const server = createServer((request, response) => {
		stats.inFlight++;
		stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
		response.on('close', () => stats.inFlight--);
		route(request, response).catch((error: unknown) => {
			if (!response.headersSent) response.writeHead(500).end(String(error));
		});
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	return {
		url: `http://127.0.0.1:${port}`,
		profiles,
		requests,
		acceptedEntries,
		stats,
		inject(fault) {
			const active: ActiveFault = { fault, remaining: fault.times ?? 1, target: fault.target ?? 'profiles', when: fault.when };
			faults.push(active);
			return {
				remaining: () => active.remaining,
				remove: () => {
					active.remaining = 0;
				},
			};
		},
		setConsentedObjectives(email, objectiveIds) {
			consentByEmail.set(email, new Set(objectiveIds));
		},
		setSegments(email, segments) {
			let profile = profiles.get(email);
			if (!profile) {
				profile = { id: `profile-${nextProfileNumber++}`, properties: { [emailPropertyId]: [email] }, writes: 1 };
				profilesById.set(profile.id, profile);
				indexProfile(profile, 'add');
			}
			segmentsByProfileId.set(profile.id, segments.map(({ id, name }) => ({ id, name: name ?? id })));
			return profile.id;
		},
		expireTokens() {
			tokens.clear();
		},
		setCatalogSegments(segments) {
			catalogSegments = [...segments];
		},
		setProfileProperties(properties) {
			profileProperties = [...properties];
		},
		close() {
			server.closeAllConnections();
			return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
		},
	};
}

/** The `rewrite` of a fault that matched this response's request: applied to its 200 answer. */
const answerRewrites = new WeakMap<ServerResponse, (answer: unknown) => unknown>();

function sendJson(
	response: ServerResponse,
	logged: LoggedRequest,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	const rewrite = status === 200 ? answerRewrites.get(response) : undefined;
	const answer = rewrite ? rewrite(body) : body;
	sendText(response, logged, status, typeof answer === 'string' && rewrite ? answer : JSON.stringify(answer), headers);
}

function sendText(response: ServerResponse, logged: LoggedRequest, status: number, text: string, headers: Record<string, string> = {}): void {
	logged.status = status;
	if (response.destroyed) return;
	response.writeHead(status, { 'content-type': 'application/json', ...headers });
	response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		request.on('error', reject);
	});
}

function parseJsonOr(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

function profileJson(profile: FakeProfile) {
	return { id: profile.id, properties: Object.entries(profile.properties).map(([id, values]) => ({ id, values })) };
}

/** The checks BlueConic documents for a profiles write; each problem names its field. */
function validateEntries(body: unknown): { field: string; message: string }[] {
	if (!Array.isArray(body)) return [{ field: '', message: 'must be an array of profile entries' }];
	const errors: { field: string; message: string }[] = [];
	const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
	body.forEach((entry: unknown, entryIndex) => {
		const at = `[${entryIndex}]`;
		if (!isObject(entry)) {
			errors.push({ field: at, message: 'must be an object' });
			return;
		}
		if (!Array.isArray(entry.matching) || entry.matching.some((group) => !Array.isArray(group))) {
			errors.push({ field: `${at}.matching`, message: 'must be an array of arrays' });
		} else {
			entry.matching.forEach((group: unknown[], groupIndex) =>
				group.forEach((condition, conditionIndex) => {
					if (!isObject(condition) || typeof condition.id !== 'string' || typeof condition.value !== 'string') {
						errors.push({ field: `${at}.matching[${groupIndex}][${conditionIndex}]`, message: 'must be {"id","value"} strings' });
					}
				}),
			);
		}
		if (!Array.isArray(entry.properties)) {
			errors.push({ field: `${at}.properties`, message: 'must be an array' });
		} else {
			entry.properties.forEach((property: unknown, propertyIndex) => {
				const field = `${at}.properties[${propertyIndex}]`;
				if (!isObject(property) || typeof property.id !== 'string') errors.push({ field: `${field}.id`, message: 'must be a string' });
				else if (!Array.isArray(property.values) || property.values.some((value) => typeof value !== 'string')) {
					errors.push({ field: `${field}.values`, message: 'must be an array of strings' });
				} else if (typeof property.strategy !== 'string' || !propertyStrategies.has(property.strategy)) {
					errors.push({ field: `${field}.strategy`, message: `must be one of ${[...propertyStrategies].join(', ')}` });
				}
			});
		}
		if (typeof entry.strategy !== 'string' || !profileStrategies.has(entry.strategy)) {
			errors.push({ field: `${at}.strategy`, message: `must be one of ${[...profileStrategies].join(', ')}` });
		}
		if (entry.identifier !== undefined && typeof entry.identifier !== 'string') {
			errors.push({ field: `${at}.identifier`, message: 'must be a string' });
		}
	});
	return errors;
}
