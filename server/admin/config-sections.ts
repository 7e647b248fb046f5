import { HttpError } from '../errors/http-error.js';

/**
 * The console's four sections (API configuration, profile mapping, featured segments, sites) ↔ the whole
 * configuration as written in the file. Reading redacts the client secret to `{"set","env"}`; writing merges the
 * sections into the file's configuration, keeping everything else as written (API keys, admin keys, the session
 * secret, `env:` references) and the client secret too when the console says `{"keep": true}`.
 */

export const sectionNames = ['blueconic', 'profileMapping', 'featuredSegments', 'sites'] as const;
export type SectionName = (typeof sectionNames)[number];

type Written = Record<string, unknown>;

const envPrefix = 'env:';

export interface SecretState {
	set: boolean;
	/** The variable's name when the file says `env:NAME`. */
	env: string | null;
}

export interface ConsoleSections {
	blueconic: { baseUrl: unknown; clientId: unknown; clientSecret: SecretState } | null;
	profileMapping: unknown;
	featuredSegments: unknown;
	sites: unknown;
}

export function sectionsOf(source: unknown): ConsoleSections {
	const written = asObject(source) ?? {};
	const blueconic = asObject(written.blueconic);
	const secret = blueconic?.clientSecret ?? blueconic?.consumerSecret;
	return {
		blueconic:
			blueconic === undefined
				? null
				: {
						baseUrl: blueconic.baseUrl ?? null,
						clientId: blueconic.clientId ?? blueconic.consumerKey ?? null,
						clientSecret: {
							set: typeof secret === 'string' && secret !== '',
							env: typeof secret === 'string' && secret.startsWith(envPrefix) ? secret.slice(envPrefix.length) : null,
						},
					},
		profileMapping: written.profileMapping === undefined ? null : withParsedAttributes(written.profileMapping),
		// The reproduced product typed these as JSON text; the console edits the value itself.
		featuredSegments: parsedJsonText(written.featuredSegments) ?? {},
		sites: written.sites ?? null,
	};
}

/**
 * The whole configuration with `sections` (any subset of the four) put in; absent sections stay as written. 400
 * `invalid_request` when the body is not shaped like the sections at all; everything else is the schema's to judge.
 */
export function candidateOf(source: unknown, sections: unknown): Written {
	const given = asObject(sections);
	if (given === undefined) throw new HttpError(400, 'invalid_request', 'sections: must be an object holding some of blueconic, profileMapping, featuredSegments, sites');
	for (const name of Object.keys(given)) {
		if (!(sectionNames as readonly string[]).includes(name)) {
			throw new HttpError(400, 'invalid_request', `sections.${name.slice(0, 100)}: is not a console section (blueconic, profileMapping, featuredSegments, sites)`);
		}
	}
	const candidate: Written = structuredClone(asObject(source) ?? {});
	for (const name of sectionNames) {
		if (!Object.hasOwn(given, name)) continue;
		const value = given[name];
		refuseNewEnvReferences(name, value, candidate[name]);
		if (value === null) delete candidate[name];
		else candidate[name] = name === 'blueconic' ? mergedBlueConic(asObject(candidate.blueconic), value) : value;
	}
	return candidate;
}

/** The `blueconic` section from the console's fields over the file's, the secret kept as written on `{"keep":true}`. */
function mergedBlueConic(written: Written | undefined, value: unknown): unknown {
	const given = asObject(value);
	if (given === undefined) return value; // the schema names the wrong type
	const writtenSecret = written?.clientSecret ?? written?.consumerSecret;
	const merged: Written = { ...written };
	// One name per credential: the console's `clientId` / `clientSecret` replace the Zephr-era aliases.
	delete merged.consumerKey;
	delete merged.consumerSecret;
	if (written?.consumerKey !== undefined && written.clientId === undefined) merged.clientId = written.consumerKey;
	for (const [field, fieldValue] of Object.entries(given)) merged[field] = fieldValue;
	if (isKeepSecret(given.clientSecret) || given.clientSecret === undefined) {
		if (writtenSecret === undefined) delete merged.clientSecret;
		else merged.clientSecret = writtenSecret;
	}
	return merged;
}

function isKeepSecret(value: unknown): boolean {
	return asObject(value)?.keep === true;
}

/**
 * The configuration as the console would write it, for a download where the file is read-only, without the
 * secrets written in it as values (an answer never holds a secret): each becomes an `env:` reference to a variable
 * that is not set, so a file used without putting the secrets back stops at start naming each one, rather than
 * running with a made-up key.
 */
export function withoutWrittenSecrets(candidate: Written): Written {
	const copy: Written = structuredClone(candidate);
	const placeholder = `${envPrefix}SECRET_NOT_DOWNLOADED_COPY_IT_FROM_THE_CURRENT_FILE`;
	const redact = (value: unknown) => (typeof value === 'string' && !value.startsWith(envPrefix) ? placeholder : value);
	for (const list of ['apiKeys', 'adminKeys']) {
		if (Array.isArray(copy[list])) copy[list] = (copy[list] as unknown[]).map(redact);
	}
	const blueconic = asObject(copy.blueconic);
	if (blueconic !== undefined) {
		for (const field of ['clientSecret', 'consumerSecret']) if (field in blueconic) blueconic[field] = redact(blueconic[field]);
	}
	const validate = asObject(asObject(copy.session)?.validate);
	if (validate !== undefined && 'secret' in validate) validate.secret = redact(validate.secret);
	// A Redis URL can hold a password.
	const store = asObject(copy.store);
	if (store !== undefined && typeof store.url === 'string' && store.url.includes('@')) store.url = redact(store.url);
	return copy;
}

function withParsedAttributes(profileMapping: unknown): unknown {
	const mapping = asObject(profileMapping);
	if (mapping === undefined) return profileMapping;
	return { ...mapping, ...(mapping.attributes === undefined ? {} : { attributes: parsedJsonText(mapping.attributes) }) };
}

function parsedJsonText(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value) as unknown;
	} catch {
		return value;
	}
}

function asObject(value: unknown): Written | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Written) : undefined;
}

/**
 * `env:` references a console save may not add: any outside the credentials (the decision tester and the pages
 * would show the variable's value back: featured names, hosts), and, when the save moves BlueConic to another
 * address, credentials not typed in (the collector would send a kept secret, or any variable's value, there).
 * References already written in the file at the same place stay as they are.
 */
function refuseNewEnvReferences(section: string, value: unknown, written: unknown): void {
	if (section === 'blueconic') {
		const given = asObject(value);
		const before = asObject(written);
		if (given === undefined) return;
		refuseNewEnvIn(given.baseUrl, before?.baseUrl, 'sections.blueconic.baseUrl');
		const movesAway = given.baseUrl !== undefined && withoutTrailingSlashes(given.baseUrl) !== withoutTrailingSlashes(before?.baseUrl);
		if (movesAway) requireTypedCredentials(given, 'sections.blueconic.');
		return;
	}
	refuseNewEnvIn(value, written, `sections.${section}`);
}

/**
 * BlueConic credentials for another address than the one in force must be typed in: a kept secret or an `env:`
 * reference would send this collector's secrets (or any variable's value) wherever the caller points it.
 * `pathPrefix` names where the fields sit in the request body.
 */
export function requireTypedCredentials(given: Record<string, unknown>, pathPrefix = ''): void {
	for (const field of ['clientId', 'clientSecret'] as const) {
		const credential = given[field];
		if (typeof credential !== 'string' || credential.startsWith(envPrefix)) {
			throw new HttpError(
				400,
				'credentials_required',
				`${pathPrefix}${field}: another BlueConic address than the one in force needs the ${field} typed in, not kept or read from env:`,
			);
		}
	}
}

function refuseNewEnvIn(value: unknown, written: unknown, path: string): void {
	if (typeof value === 'string') {
		if (value.startsWith(envPrefix) && value !== written) {
			throw new HttpError(400, 'env_reference_not_allowed', `${path}: env: references can be given in the console only for the BlueConic client id and secret`);
		}
		return;
	}
	if (value === null || typeof value !== 'object') return;
	const before = written !== null && typeof written === 'object' ? (written as Record<string, unknown>) : {};
	for (const [key, item] of Object.entries(value)) {
		refuseNewEnvIn(item, before[key], Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
	}
}

function withoutTrailingSlashes(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	let text = value;
	while (text.endsWith('/')) text = text.slice(0, -1);
	return text;
}
