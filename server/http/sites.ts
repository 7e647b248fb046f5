import type { CollectorConfig } from '../config/schema.js';
import { HttpError } from '../errors/http-error.js';

/** What browser endpoints need of a site: the origins allowed to call it cross-origin. */
export interface Site {
	readonly origins: readonly string[];
}

// With `sites: "*"`, every host is a site that takes same-origin requests only.
const anyHost: Site = Object.freeze({ origins: Object.freeze([]) });

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

	/** The active site for a `Host` header; 404 `site_not_active` otherwise. */
	requireActive(hostHeader: string | undefined): Site {
		if (this.#activeByHost === 'every host') return anyHost;
		const host = hostnameOf(hostHeader ?? '');
		const site = this.#activeByHost.get(host);
		if (site === undefined) {
			throw new HttpError(404, 'site_not_active', `the BlueConic bridge is not active for ${host.slice(0, 100) || 'this host'}`);
		}
		return site;
	}
}

/** `www.example.com:8080` → `www.example.com`; `[::1]:8080` → `[::1]`. */
function hostnameOf(hostHeader: string): string {
	const portAt = hostHeader.startsWith('[') ? hostHeader.indexOf(']:') + 1 : hostHeader.indexOf(':');
	return (portAt > 0 ? hostHeader.slice(0, portAt) : hostHeader).toLowerCase();
}
