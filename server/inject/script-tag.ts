import { paths } from '../http/paths.js';

/** What the injected tag points at, and which tags on a page count as "the script is already there". */
export interface ScriptTag {
	/** `src`: a path on the page's own origin, or an absolute URL. */
	readonly scriptUrl: string;
	/** `data-endpoint`: where the SDK posts segments. */
	readonly endpoint: string;
	/** Other `data-*` attributes (e.g. `data-consent`), written as given. */
	readonly attributes: Readonly<Record<string, string>>;
	/** The origin of `scriptUrl` when it is absolute; undefined when it is the page's own. */
	readonly scriptOrigin: string | undefined;
	/** The origin of `endpoint` when it is absolute; undefined when it is the page's own. */
	readonly endpointOrigin: string | undefined;
	/** URL paths a `<script src>` may have to be this script (the configured one and the collector's default). */
	readonly scriptPaths: ReadonlySet<string>;
}

export interface ScriptTagOptions {
	/** Default: the collector's `/plugins/public/blueconic/sdk.js` on the page's own origin. */
	scriptUrl?: string;
	/** Default: `/plugins/public/blueconic/segments` on the script's origin (the page's own for a path). */
	endpoint?: string;
	/** Extra `data-*` attributes for the tag, e.g. `{ 'data-consent': 'required' }`. */
	attributes?: Record<string, string>;
}

/**
 * Checks the options once, loudly (a `TypeError` naming the option), and resolves the defaults.
 * `owner` names the function the options were given to, for the message.
 */
export function resolveScriptTag(options: ScriptTagOptions, owner: string): ScriptTag {
	const scriptUrl = options.scriptUrl ?? paths.sdkScript;
	const scriptOrigin = checkUrl(scriptUrl, `${owner}: scriptUrl`);
	const endpoint = options.endpoint ?? (scriptOrigin === undefined ? paths.segments : `${scriptOrigin}${paths.segments}`);
	const endpointOrigin = checkUrl(endpoint, `${owner}: endpoint`);
	const attributes = options.attributes ?? {};
	if (typeof attributes !== 'object' || attributes === null) throw new TypeError(`${owner}: attributes must be an object`);
	for (const [name, value] of Object.entries(attributes)) {
		if (!/^data-[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name)) {
			throw new TypeError(`${owner}: attributes["${name}"] must be a data-* attribute name in lower case, like data-consent`);
		}
		if (name === 'data-endpoint') throw new TypeError(`${owner}: attributes["data-endpoint"]: use the endpoint option`);
		if (typeof value !== 'string') throw new TypeError(`${owner}: attributes["${name}"] must be a string`);
	}
	const scriptPath = new URL(scriptUrl, 'http://page.invalid').pathname;
	return { scriptUrl, endpoint, attributes, scriptOrigin, endpointOrigin, scriptPaths: new Set([paths.sdkScript, scriptPath]) };
}

/** The tag to insert; `nonce` when the page's Content-Security-Policy needs one (see csp.ts). */
export function scriptTagHtml(tag: ScriptTag, nonce: string | undefined): string {
	let html = `<script async src="${escapeAttribute(tag.scriptUrl)}" data-endpoint="${escapeAttribute(tag.endpoint)}"`;
	if (nonce !== undefined) html += ` nonce="${escapeAttribute(nonce)}"`;
	for (const [name, value] of Object.entries(tag.attributes)) html += ` ${name}="${escapeAttribute(value)}"`;
	return `${html}></script>`;
}

/**
 * Whether a `<script>` start tag on the page already loads the SDK: its `src` has one of our script paths, or it
 * is the inline snippet (a script without `src` carrying `data-endpoint`). Names arrive lower-cased from parse5.
 */
export function isBridgeScript(tag: ScriptTag, attrs: readonly { name: string; value: string }[]): boolean {
	const src = attrs.find((attr) => attr.name === 'src');
	if (src === undefined) return attrs.some((attr) => attr.name === 'data-endpoint');
	let path: string;
	try {
		path = new URL(src.value, 'http://page.invalid').pathname;
	} catch {
		return false;
	}
	return tag.scriptPaths.has(path);
}

/** The origin of an absolute http(s) URL, undefined for a path; throws for anything else. */
function checkUrl(value: unknown, name: string): string | undefined {
	if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
	if (value.startsWith('/') && !value.startsWith('//')) return undefined;
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new TypeError(`${name} must be a path starting with / or an absolute http(s) URL, not "${value}"`);
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${name} must be an http or https URL`);
	return url.origin;
}

/** Enough for a double-quoted attribute value. */
function escapeAttribute(value: string): string {
	return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}
