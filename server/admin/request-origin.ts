import type { TLSSocket } from 'node:tls';
import type { Context } from 'koa';
import type { CollectorConfig } from '../config/schema.js';
import { HttpError } from '../errors/http-error.js';
import { sessionClientOf } from '../http/session.js';
import { ClientAddresses } from '../sessions/client-address.js';

/**
 * Where a console request comes from: its client address (for the sign-in throttle), whether it arrived over
 * HTTPS (for the cookie's `Secure`), and whether a sign-in comes from another site.
 *
 * `X-Forwarded-For` and `X-Forwarded-Proto` are believed only from `server.trustedProxies`, as everywhere in the
 * collector: anybody else could write them.
 */

/** One `ClientAddresses` per configuration (a reload brings a new one). */
const addressesByConfig = new WeakMap<CollectorConfig, ClientAddresses>();

function clientAddressesOf(config: CollectorConfig): ClientAddresses {
	let addresses = addressesByConfig.get(config);
	if (addresses === undefined) {
		addresses = new ClientAddresses(config.server.trustedProxies);
		addressesByConfig.set(config, addresses);
	}
	return addresses;
}

/** The client's address group (an IPv4 address, an IPv6 /64), or `unknown` when the socket has none. */
export function clientKeyOf(ctx: Context, config: CollectorConfig): string {
	return clientAddressesOf(config).keyOf(sessionClientOf(ctx.req)) ?? 'unknown';
}

export function cameOverHttps(ctx: Context, config: CollectorConfig): boolean {
	if ((ctx.req.socket as Partial<TLSSocket>).encrypted === true) return true;
	const forwardedProto = ctx.get('X-Forwarded-Proto').split(',')[0]?.trim().toLowerCase();
	if (forwardedProto !== 'https') return false;
	// The peer is a trusted proxy exactly when the client address differs from the peer's own, or the peer is
	// listed itself: ask with no forwarded hops, so the answer is about the peer alone.
	const peer = ctx.req.socket.remoteAddress;
	const addresses = clientAddressesOf(config);
	return peer !== undefined && addresses.addressOf({ remoteAddress: peer, forwardedFor: '198.51.100.1' }) !== addresses.addressOf({ remoteAddress: peer });
}

/**
 * Refuses a sign-in posted from another site: an `Origin` whose host is not the request's `Host`, or a browser's
 * `Sec-Fetch-Site` other than `same-origin` / `none` (typed in the address bar). Both are checked only when sent:
 * command-line clients send neither.
 */
export function refuseCrossSite(ctx: Context): void {
	const fetchSite = ctx.get('Sec-Fetch-Site').toLowerCase();
	if (fetchSite !== '' && fetchSite !== 'same-origin' && fetchSite !== 'none') throw crossSite();
	const origin = ctx.get('Origin');
	if (origin === '') return;
	let originHost: string | undefined;
	try {
		originHost = new URL(origin).host.toLowerCase();
	} catch {
		originHost = undefined;
	}
	if (originHost === undefined || originHost !== ctx.get('Host').toLowerCase()) throw crossSite();
}

function crossSite(): HttpError {
	return new HttpError(403, 'cross_site_request', 'the console takes a sign-in only from its own pages');
}
