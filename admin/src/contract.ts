// The shapes of the admin API's answers and bodies, as /work ADMIN-API.md states them (docs/admin.md, "The API").

export interface SecretState {
	set: boolean;
	/** The variable's name when the file says `env:NAME`. */
	env: string | null;
}

export interface BlueConicSection {
	baseUrl: string;
	clientId: string;
	clientSecret: SecretState;
}

export interface AttributeMapping {
	zephrAttributeId: string;
	blueconic: { profilePropertyId: string; type: string };
}

export interface ProfileMapping {
	emailPropertyId: string;
	trackingIdPropertyId?: string;
	attributes: AttributeMapping[];
}

export interface Site {
	host: string;
	origins: string[];
	active: boolean;
}

export interface Sections {
	blueconic: BlueConicSection | null;
	profileMapping: ProfileMapping | null;
	featuredSegments: Record<string, string>;
	sites: Site[] | '*';
}

export interface ConfigAnswer {
	file: { name: string; writable: boolean } | null;
	sections: Sections;
	types: string[];
}

/** The client secret in a write: the one in force, a new value, or `env:NAME`. */
export type SecretWrite = { keep: true } | string;

/** The sections a save changes; `null` removes one. */
export interface SectionsWrite {
	blueconic?: { baseUrl: string; clientId: string; clientSecret: SecretWrite } | null;
	profileMapping?: ProfileMapping | null;
	featuredSegments?: Record<string, string>;
	sites?: Site[] | '*';
}

/** One schema problem, at the schema's path (`sites[0].host`, `profileMapping.attributes[1].blueconic.type`). */
export interface Problem {
	path: string;
	message: string;
}

export interface ErrorBody {
	error: { code: string; message: string };
	problems?: Problem[];
	download?: unknown;
}

export type CheckAnswer = { status: 'valid'; changed: string[] };
export type SaveAnswer = { status: 'applied'; changed: string[]; written: boolean } | { status: 'unchanged' };

export interface ConnectionTest {
	ok: boolean;
	status?: number | null;
	message: string;
}

export interface SegmentSummary {
	id: string;
	name: string;
	description?: string | null;
}

export interface SegmentPage {
	segments: SegmentSummary[];
	page: number;
	pageSize: number;
	total: number;
}

export interface MappingFinding {
	path: string;
	propertyId: string;
	problem: 'missing' | 'type_mismatch';
	message: string;
	expected?: string;
	actual?: string;
}

export interface MappingCheck {
	properties: number;
	findings: MappingFinding[];
}

export interface Status {
	reports: { segments: number; empty: number };
	decisions: { yes: number; no: number; unknown: number };
	sessionsHeld: number | null;
	profileSync: {
		configured: boolean;
		outcomes: Record<string, number>;
		recentFailures: { at: string; reason: string }[];
	};
	uptimeSeconds: number;
	version: string;
}

export type Decision = 'yes' | 'no' | 'unknown';

export interface DecisionTest {
	report: 'hit' | 'miss' | 'unavailable';
	segments: string[] | null;
	updatedAt: string | null;
	featured: { segment: string; name: string; result: Decision }[];
}
