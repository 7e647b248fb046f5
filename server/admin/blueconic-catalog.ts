import type { AccessTokenSource } from '../blueconic/token-provider.js';
import { HttpError } from '../errors/http-error.js';
import { type BlueConicCredentials } from './blueconic-credentials.js';
import { getJson } from './blueconic-get.js';
import { ConsoleTokens, credentialsKeyOf } from './blueconic-tokens.js';

/**
 * BlueConic's segments and profile properties, as the console's segment picker and mapping check read them: every
 * page of `GET /rest/v2/segments` or `/rest/v2/profileProperties`, bounded in pages, items and bytes, and cached
 * briefly (one read serves the picker's searches and pages for a minute).
 */

export interface CatalogSegment {
	readonly id: string;
	readonly name: string;
	readonly description: string;
}

export interface CatalogProperty {
	readonly id: string;
	readonly name: string;
	/** BlueConic's REST type name (`SELECT`, `EMAIL`, `RANGE`, ...), as it answered. */
	readonly filterType: string;
}

type Kind = 'segments' | 'profileProperties';

export interface CatalogOptions {
	readonly tokens: ConsoleTokens;
	readonly fetch: typeof fetch;
	readonly now: () => number;
	readonly cacheMs?: number;
	/** Items asked for per page. */
	readonly pageSize?: number;
	/** At most this many items are read; past it the list is cut (and says so). */
	readonly maxItems?: number;
	/** Bytes of all pages together. */
	readonly maxBytes?: number;
}

interface CachedList {
	readonly items: readonly unknown[];
	readonly readAtMs: number;
}

const textField = (value: unknown, maxLength: number): string => (typeof value === 'string' ? value.slice(0, maxLength) : '');

export class BlueConicCatalog {
	readonly #options: Required<Omit<CatalogOptions, 'tokens'>> & { tokens: ConsoleTokens };
	readonly #cache = new Map<string, CachedList>();
	readonly #pending = new Map<string, Promise<readonly unknown[]>>();

	constructor(options: CatalogOptions) {
		this.#options = { cacheMs: 60_000, pageSize: 100, maxItems: 10_000, maxBytes: 8 * 1024 * 1024, ...options };
	}

	async segments(credentials: BlueConicCredentials): Promise<CatalogSegment[]> {
		const items = await this.#list('segments', credentials);
		return items.flatMap((item) => {
			const { id, name, description } = (item ?? {}) as Record<string, unknown>;
			if (typeof id !== 'string' || id === '') return [];
			return [{ id: id.slice(0, 200), name: textField(name, 300) || id.slice(0, 200), description: textField(description, 1000) }];
		});
	}

	async profileProperties(credentials: BlueConicCredentials): Promise<CatalogProperty[]> {
		const items = await this.#list('profileProperties', credentials);
		return items.flatMap((item) => {
			const { id, name, filterType } = (item ?? {}) as Record<string, unknown>;
			if (typeof id !== 'string' || id === '') return [];
			return [{ id, name: textField(name, 300), filterType: textField(filterType, 40) }];
		});
	}

	#list(kind: Kind, credentials: BlueConicCredentials): Promise<readonly unknown[]> {
		const key = `${kind}:${credentialsKeyOf(credentials)}`;
		const cached = this.#cache.get(key);
		if (cached !== undefined && this.#options.now() - cached.readAtMs < this.#options.cacheMs) return Promise.resolve(cached.items);
		let pending = this.#pending.get(key);
		if (pending === undefined) {
			pending = this.#readAllPages(kind, credentials)
				.then((items) => {
					// Only the latest few lists are kept: one per kind and set of credentials in use.
					if (this.#cache.size >= 8) this.#cache.clear();
					this.#cache.set(key, { items, readAtMs: this.#options.now() });
					return items;
				})
				.finally(() => this.#pending.delete(key));
			this.#pending.set(key, pending);
		}
		return pending;
	}

	async #readAllPages(kind: Kind, credentials: BlueConicCredentials): Promise<unknown[]> {
		const { pageSize, maxItems, maxBytes, fetch } = this.#options;
		const tokens = this.#options.tokens.providerFor(credentials);
		const items: unknown[] = [];
		let bytes = 0;
		for (let startIndex = 0; items.length < maxItems; ) {
			const query = new URLSearchParams({ startIndex: String(startIndex), count: String(pageSize) });
			const url = `${credentials.baseUrl}/rest/v2/${kind}?${query}`;
			const outcome = await getWithToken(tokens, url, { timeoutMs: Math.min(credentials.timeoutMs, 10_000), maxBytes: maxBytes - bytes, fetch });
			bytes += outcome.bytes;
			const page = (outcome.body ?? {}) as Record<string, unknown>;
			const pageItems = page[kind];
			if (!Array.isArray(pageItems)) throw unavailable(null, `BlueConic answered GET /rest/v2/${kind} without a "${kind}" list`);
			items.push(...pageItems.slice(0, maxItems - items.length));
			startIndex += pageItems.length;
			const total = typeof page.totalResults === 'number' ? page.totalResults : undefined;
			// The last page: fewer items than asked for, or as many as BlueConic says there are.
			if (pageItems.length === 0 || (total !== undefined && startIndex >= total) || (total === undefined && pageItems.length < pageSize)) break;
		}
		return items;
	}
}

/** A GET with a token; a 401 gets one more try with a fresh token (tokens can be revoked early). */
async function getWithToken(
	tokens: AccessTokenSource,
	url: string,
	options: { timeoutMs: number; maxBytes: number; fetch: typeof fetch },
): Promise<{ body: unknown; bytes: number }> {
	for (let attempt = 1; ; attempt++) {
		const token = await tokenOrUnavailable(tokens);
		const outcome = await getJson(url, { ...options, token });
		if (outcome.status === 'ok') return outcome;
		if (outcome.httpStatus === 401 && attempt === 1) {
			tokens.invalidate(token);
			continue;
		}
		throw unavailable(outcome.httpStatus, outcome.message);
	}
}

async function tokenOrUnavailable(tokens: AccessTokenSource): Promise<string> {
	try {
		return await tokens.getToken();
	} catch (error) {
		const status = (error as { status?: unknown }).status;
		throw unavailable(typeof status === 'number' ? status : null, (error as Error).message);
	}
}

function unavailable(httpStatus: number | null, message: string): HttpError {
	return new BlueConicUnavailable(httpStatus, message);
}

/** 502 `blueconic_unavailable`, saying what BlueConic answered (its status, when it answered at all). */
export class BlueConicUnavailable extends HttpError {
	constructor(
		readonly blueconicStatus: number | null,
		message: string,
	) {
		super(502, 'blueconic_unavailable', message);
	}
}
