import type { AttributeMapping, ConfigAnswer, SectionsWrite, Site } from './contract.js';

/** The client secret as the form holds it: kept as it is, or replaced by what the operator typed. */
export type SecretDraft = { mode: 'keep' } | { mode: 'replace'; value: string };

export interface BlueConicDraft {
	baseUrl: string;
	clientId: string;
	secret: SecretDraft;
}

export interface MappingDraft {
	emailPropertyId: string;
	/** Empty: none. */
	trackingIdPropertyId: string;
	attributes: AttributeMapping[];
}

/** One featured segment row; a list (not a map) so ids can be edited and typed twice while editing. */
export interface FeaturedRow {
	id: string;
	name: string;
}

/** What the console edits: the four sections, in shapes convenient for forms. */
export interface Draft {
	blueconic: BlueConicDraft | null;
	profileMapping: MappingDraft | null;
	featured: FeaturedRow[];
	sites: Site[] | '*';
}

/**
 * The draft of what the API answered. Sections come as written in the file, so fields the schema defaults may be
 * absent (a site without `origins` or `active`, a mapping without `attributes`): the form shows their defaults.
 */
export function draftFrom({ sections }: ConfigAnswer): Draft {
	const { blueconic, profileMapping } = sections;
	const sites = sections.sites as unknown;
	return {
		blueconic: blueconic && { baseUrl: blueconic.baseUrl ?? '', clientId: blueconic.clientId ?? '', secret: { mode: 'keep' } },
		profileMapping: profileMapping && {
			emailPropertyId: profileMapping.emailPropertyId ?? 'email',
			trackingIdPropertyId: profileMapping.trackingIdPropertyId ?? '',
			attributes: (Array.isArray(profileMapping.attributes) ? profileMapping.attributes : []).map(copyAttribute),
		},
		featured: Object.entries(isObject(sections.featuredSegments) ? sections.featuredSegments : {}).map(([id, name]) => ({ id, name: String(name) })),
		sites: sites === '*' ? '*' : (Array.isArray(sites) ? (sites as Partial<Site>[]) : []).map(siteOf),
	};
}

function siteOf(site: Partial<Site>): Site {
	return { host: site.host ?? '', origins: Array.isArray(site.origins) ? [...site.origins] : [], active: site.active ?? true };
}

function isObject(value: unknown): value is Record<string, string> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function copyAttribute(attribute: AttributeMapping): AttributeMapping {
	return {
		zephrAttributeId: attribute.zephrAttributeId ?? '',
		blueconic: { profilePropertyId: attribute.blueconic?.profilePropertyId ?? '', type: attribute.blueconic?.type ?? '' },
	};
}

export function mappingWrite(mapping: MappingDraft): NonNullable<SectionsWrite['profileMapping']> {
	return {
		emailPropertyId: mapping.emailPropertyId,
		...(mapping.trackingIdPropertyId === '' ? {} : { trackingIdPropertyId: mapping.trackingIdPropertyId }),
		attributes: mapping.attributes,
	};
}

export function featuredWrite(rows: readonly FeaturedRow[]): Record<string, string> {
	return Object.fromEntries(rows.map((row) => [row.id, row.name]));
}

/** The whole draft as the API's write body; `null` for a section the draft has not (the API removes it). */
function fullWrite(draft: Draft): SectionsWrite {
	const write: SectionsWrite = { featuredSegments: featuredWrite(draft.featured), sites: draft.sites, blueconic: null, profileMapping: null };
	if (draft.blueconic) {
		const { baseUrl, clientId, secret } = draft.blueconic;
		write.blueconic = { baseUrl, clientId, clientSecret: secret.mode === 'keep' ? { keep: true } : secret.value };
	}
	if (draft.profileMapping) write.profileMapping = mappingWrite(draft.profileMapping);
	return write;
}

/**
 * Only the sections the operator changed: the API keeps absent ones as they are, so an untouched section can
 * never be rewritten by a save (its `env:` references and all).
 */
export function changedSections(draft: Draft, saved: Draft): SectionsWrite {
	const now = fullWrite(draft);
	const before = fullWrite(saved);
	const write: SectionsWrite = {};
	for (const key of ['blueconic', 'profileMapping', 'featuredSegments', 'sites'] as const) {
		if (JSON.stringify(now[key]) !== JSON.stringify(before[key])) Object.assign(write, { [key]: now[key] });
	}
	return write;
}

/** Featured ids typed twice or left empty: the map cannot hold them, so the console says so before saving. */
export function featuredRowProblems(rows: readonly FeaturedRow[]): Map<number, string> {
	const problems = new Map<number, string>();
	const seen = new Set<string>();
	rows.forEach((row, index) => {
		if (row.id.trim() === '') problems.set(index, 'needs a segment id');
		else if (seen.has(row.id)) problems.set(index, `"${row.id}" is listed twice`);
		seen.add(row.id);
	});
	return problems;
}
