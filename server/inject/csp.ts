import { randomBytes } from 'node:crypto';
import type { ScriptTag } from './script-tag.js';

/** A page's Content-Security-Policy headers, as sent (several policies in one value are comma-separated). */
export interface CspHeaders {
	enforced: string | undefined;
	reportOnly: string | undefined;
}

/** What the injection needs from the policies: the nonce for the tag, and the headers to send instead. */
export interface CspAdjustment {
	nonce: string | undefined;
	/** The new header values; the same strings as given when nothing had to change. */
	enforced: string | undefined;
	reportOnly: string | undefined;
}

interface Directive {
	name: string;
	sources: string[];
}

// A nonce goes into an attribute of the tag: only base64 (and base64url) characters are taken from a header.
const nonceSource = /^'nonce-([A-Za-z0-9+/_=-]+)'$/i;

/**
 * Makes the page's policies let the injected `<script src>` run and its segment post through, touching nothing
 * they already allow:
 * - a policy whose script directive has a nonce gives the tag that nonce (the first such policy wins);
 * - a policy that does not allow the script gets a source for it: the same nonce (one made here when the page has
 *   none), or, when its list still relies on `'unsafe-inline'` (which any nonce would switch off), the script's
 *   origin (`'self'` for a same-origin path);
 * - a policy whose `connect-src` (or `default-src`) does not allow the endpoint gets the endpoint's origin.
 * A directive that falls back to `default-src` is added as its own `script-src`/`connect-src`, so that the other
 * fetch directives falling back to `default-src` stay as they were.
 */
export function adjustCsp(headers: CspHeaders, tag: ScriptTag, makeNonce: () => string = randomNonce): CspAdjustment {
	const enforced = headers.enforced === undefined ? [] : parsePolicies(headers.enforced);
	const reportOnly = headers.reportOnly === undefined ? [] : parsePolicies(headers.reportOnly);
	let nonce = [...enforced, ...reportOnly].map(pageNonce).find((found) => found !== undefined);
	const nonceForPolicy = (): string => (nonce ??= makeNonce());

	const adjust = (value: string | undefined, policies: Directive[][]): string | undefined => {
		if (value === undefined) return undefined;
		let changed = false;
		for (const policy of policies) {
			if (allowScript(policy, tag, nonce, nonceForPolicy)) changed = true;
			if (allowEndpoint(policy, tag)) changed = true;
		}
		return changed ? serialisePolicies(policies) : value;
	};
	const enforcedValue = adjust(headers.enforced, enforced);
	const reportOnlyValue = adjust(headers.reportOnly, reportOnly);
	return { nonce, enforced: enforcedValue, reportOnly: reportOnlyValue };
}

/** 24 characters of base64 from 18 random bytes. */
export function randomNonce(): string {
	return randomBytes(18).toString('base64');
}

function parsePolicies(value: string): Directive[][] {
	return value.split(',').map((policy) => {
		const directives: Directive[] = [];
		for (const text of policy.split(';')) {
			const [name, ...sources] = text.trim().split(/[\t\n\f\r ]+/);
			if (name === undefined || name === '') continue;
			const lowerName = name.toLowerCase();
			// The first of two same-named directives is the one browsers apply.
			if (directives.some((directive) => directive.name === lowerName)) continue;
			directives.push({ name: lowerName, sources });
		}
		return directives;
	});
}

function serialisePolicies(policies: Directive[][]): string {
	return policies
		.map((policy) => policy.map(({ name, sources }) => [name, ...sources].join(' ')).join('; '))
		.join(', ');
}

/** The directive a browser checks for `<script src>`, or for a fetch, in this policy (undefined: no restriction). */
function effectiveDirective(policy: Directive[], names: readonly string[]): Directive | undefined {
	for (const name of names) {
		const directive = policy.find((candidate) => candidate.name === name);
		if (directive) return directive;
	}
	return undefined;
}

const scriptDirectiveNames = ['script-src-elem', 'script-src', 'default-src'] as const;
const connectDirectiveNames = ['connect-src', 'default-src'] as const;

function pageNonce(policy: Directive[]): string | undefined {
	const directive = effectiveDirective(policy, scriptDirectiveNames);
	for (const source of directive?.sources ?? []) {
		const match = nonceSource.exec(source);
		if (match) return match[1];
	}
	return undefined;
}

/** Adds what `policy` needs to run the tag; returns whether it changed. */
function allowScript(
	policy: Directive[],
	tag: ScriptTag,
	nonce: string | undefined,
	nonceForPolicy: () => string,
): boolean {
	const directive = effectiveDirective(policy, scriptDirectiveNames);
	if (directive === undefined) return false;
	const sources = directive.sources.map((source) => source.toLowerCase());
	if (nonce !== undefined && directive.sources.some((source) => nonceSource.exec(source)?.[1] === nonce)) return false;
	const strictDynamic = sources.includes("'strict-dynamic'");
	// 'strict-dynamic' makes browsers ignore host, scheme and 'self' sources.
	if (!strictDynamic && allowsUrl(sources, tag.scriptOrigin)) return false;
	// A nonce or hash in the list already switches 'unsafe-inline' off; adding the first nonce would do it here.
	const inlineStillAllowed =
		sources.includes("'unsafe-inline'") && !sources.some((source) => source.startsWith("'nonce-") || source.startsWith("'sha"));
	const source = inlineStillAllowed && !strictDynamic ? hostSource(tag.scriptOrigin) : `'nonce-${nonceForPolicy()}'`;
	addSource(policy, directive, 'script-src', source);
	return true;
}

/** Adds the endpoint's origin where `policy` would block the SDK's post; returns whether it changed. */
function allowEndpoint(policy: Directive[], tag: ScriptTag): boolean {
	const directive = effectiveDirective(policy, connectDirectiveNames);
	if (directive === undefined) return false;
	if (allowsUrl(directive.sources.map((source) => source.toLowerCase()), tag.endpointOrigin)) return false;
	addSource(policy, directive, 'connect-src', hostSource(tag.endpointOrigin));
	return true;
}

/**
 * Whether lower-cased `sources` certainly allow a URL on `origin` (undefined: the page's own origin). Only the
 * plain cases are recognised; anything else gets a source added, which allows no more than the injection needs.
 */
function allowsUrl(sources: readonly string[], origin: string | undefined): boolean {
	if (sources.includes('*')) return true;
	if (origin === undefined) return sources.includes("'self'");
	const scheme = origin.slice(0, origin.indexOf(':') + 1);
	const host = origin.slice(scheme.length + 2);
	return sources.some((source) => {
		const trimmed = source.endsWith('/') ? source.slice(0, -1) : source;
		return trimmed === scheme || trimmed === origin || (scheme === 'https:' && trimmed === host);
	});
}

function hostSource(origin: string | undefined): string {
	return origin ?? "'self'";
}

/** Adds `source` to `directive`, or to a new `ownName` directive when `directive` is the `default-src` fallback. */
function addSource(policy: Directive[], directive: Directive, ownName: string, source: string): void {
	const target = directive.name === 'default-src' ? { name: ownName, sources: [...directive.sources] } : directive;
	if (target !== directive) policy.push(target);
	// 'none' is only meaningful alone.
	target.sources = [...target.sources.filter((existing) => existing.toLowerCase() !== "'none'"), source];
}
