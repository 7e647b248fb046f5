import type { Context } from 'koa';
import type { CollectorConfig, SiteConfig } from '../config/schema.js';
import { HttpError } from '../errors/http-error.js';

export type Site = Pick<SiteConfig, 'host' | 'origins'>;

/**
 * A request's site is its `Host` (port ignored). Browser endpoints answer only for active sites, like the
 * reproduced product registers its segment listener only on the sites the extension is switched on for.
 */
export class Sites {
	readonly #activeByHost: ReadonlyMap<string, Site> | 'every host';

	constructor(sites: CollectorConfig['sites']) {
		this.#activeByHost =
			sites === '*' ? 'every host' : new Map(sites.filter((site) => site.active).map((site) => [site.host, site]));
	}

	requireActive(ctx: Context): Site {
		const host = ctx.hostname.toLowerCase();
		if (this.#activeByHost === 'every host') return { host, origins: [] };
		const site = this.#activeByHost.get(host);
		if (site === undefined) throw new HttpError(404, 'site_not_active', `the BlueConic bridge is not active for ${host}`);
		return site;
	}
}
