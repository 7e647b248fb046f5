import { BlockList, isIP } from 'node:net';
import type { SessionClient } from './session-validator.js';

/** An address or CIDR range as the configuration writes it: `10.0.0.7`, `10.0.0.0/8`, `fd00::/8`. */
export interface AddressRange {
	address: string;
	prefix: number;
	family: 'ipv4' | 'ipv6';
}

/** Parses `address` or `address/prefix`; undefined when it is neither. */
export function parseAddressRange(text: string): AddressRange | undefined {
	const slash = text.indexOf('/');
	const written = slash === -1 ? text : text.slice(0, slash);
	const address = normalizeAddress(written);
	if (address === undefined) return undefined;
	const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
	const bits = family === 'ipv4' ? 32 : 128;
	if (slash === -1) return { address, prefix: bits, family };
	const prefixText = text.slice(slash + 1);
	// An IPv4-mapped range (`::ffff:10.0.0.0/104`) counts its prefix over 128 bits, the IPv4 part being the last 32.
	const mappedBits = family === 'ipv4' && isIP(written) === 6 ? 96 : 0;
	const prefix = (/^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN) - mappedBits;
	return prefix >= 0 && prefix <= bits ? { address, prefix, family } : undefined;
}

/**
 * Tells which client a session check comes from, and groups clients for the per-client share of upstream
 * checks. The client is the request's peer, unless the peer is one of `trustedProxies`: then it is the right-most
 * `X-Forwarded-For` address that is not a trusted proxy (entries left of it were written by the client itself).
 * Nothing in `X-Forwarded-For` is believed by default.
 */
export class ClientAddresses {
	readonly #trusted = new BlockList();
	readonly #trustsAny: boolean;

	constructor(trustedProxies: readonly string[] = []) {
		for (const [index, text] of trustedProxies.entries()) {
			const range = parseAddressRange(text);
			if (range === undefined) throw new TypeError(`trustedProxies[${index}] must be an IP address or CIDR range`);
			this.#trusted.addSubnet(range.address, range.prefix, range.family);
		}
		this.#trustsAny = trustedProxies.length > 0;
	}

	/** The key the client's share is counted under (an IPv4 address, or an IPv6 /64); undefined when unknown. */
	keyOf(client: SessionClient | undefined): string | undefined {
		const address = this.addressOf(client);
		return address === undefined ? undefined : groupKeyOf(address);
	}

	/** The client's address, normalized (IPv4-mapped IPv6 as IPv4); undefined when unknown. */
	addressOf(client: SessionClient | undefined): string | undefined {
		let address = normalizeAddress(client?.remoteAddress);
		if (address === undefined || !this.#trustsAny || !this.#isTrusted(address)) return address;
		const hops = client?.forwardedFor?.split(',') ?? [];
		for (let index = hops.length - 1; index >= 0; index--) {
			const hop = normalizeAddress(stripPort(hops[index]?.trim() ?? ''));
			// Not an address: the hop before it is the last one known.
			if (hop === undefined) return address;
			address = hop;
			if (!this.#isTrusted(hop)) return hop;
		}
		return address;
	}

	#isTrusted(address: string): boolean {
		return this.#trusted.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
	}
}

/**
 * An IP address as text, with IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what dual-stack servers see) as IPv4 and
 * without an IPv6 zone (`%eth0`).
 */
function normalizeAddress(text: string | undefined): string | undefined {
	if (text === undefined) return undefined;
	const family = isIP(text);
	if (family === 4) return text;
	if (family !== 6) return undefined;
	const zone = text.indexOf('%');
	const lower = (zone === -1 ? text : text.slice(0, zone)).toLowerCase();
	const mapped = lower.startsWith('::ffff:') ? lower.slice(7) : '';
	return isIP(mapped) === 4 ? mapped : lower;
}

/** `1.2.3.4:5678` → `1.2.3.4`, `[::1]:80` → `::1`: some proxies write the client's port too. */
function stripPort(hop: string): string {
	if (hop.startsWith('[')) {
		const end = hop.indexOf(']');
		return end === -1 ? hop : hop.slice(1, end);
	}
	const colon = hop.indexOf(':');
	return colon !== -1 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop;
}

/**
 * IPv4 addresses stand for themselves; IPv6 ones are grouped by their /64, the block a single subscriber is
 * usually given, so that one flooder cannot claim a share per address of its block.
 */
function groupKeyOf(address: string): string {
	if (isIP(address) === 4) return address;
	const gap = address.indexOf('::');
	const head = gap === -1 ? address.split(':') : address.slice(0, gap).split(':').filter((group) => group !== '');
	const tail = gap === -1 ? [] : address.slice(gap + 2).split(':').filter((group) => group !== '');
	// An embedded IPv4 address (`::1.2.3.4`) is the last 32 bits, two groups: never within the first four.
	const tailGroups = tail.length + (tail.at(-1)?.includes('.') ? 1 : 0);
	const groups = [...head, ...Array<string>(Math.max(0, 8 - head.length - tailGroups)).fill('0'), ...tail];
	return `${groups
		.slice(0, 4)
		.map((group) => Number.parseInt(group, 16).toString(16))
		.join(':')}::/64`;
}
