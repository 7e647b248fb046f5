import { coerceAttributeValue, isEmailAddress } from '../blueconic/coerce.js';
import type { ProfileEntry, ProfilePropertyWrite } from '../blueconic/profile-entry.js';
import type { ProfileMappingConfig } from '../config/schema.js';
import type { AttributeIssue, RejectionReason, SyncUser } from './sync-user.js';

export type MappedUser =
	| {
			readonly status: 'mapped';
			/** Trimmed and lower-cased: the key BlueConic matches on, so "Jane@X.com" and "jane@x.com" are one profile. */
			readonly email: string;
			readonly properties: readonly ProfilePropertyWrite[];
			readonly attributeIssues: readonly AttributeIssue[];
	  }
	| { readonly status: 'rejected'; readonly reason: RejectionReason; readonly message: string };

/** The mapping in force: without a `profileMapping` section, the email alone, into BlueConic's `email` property. */
export function mappingOrDefault(mapping: ProfileMappingConfig | undefined): ProfileMappingConfig {
	return mapping ?? { emailPropertyId: 'email', attributes: [] };
}

/**
 * The BlueConic properties for one user: email and tracking id set, each mapped attribute coerced to its property's
 * type. An attribute that cannot be coerced is left out and reported; an absent one is simply not sent.
 */
export function mapUser(user: SyncUser, mapping: ProfileMappingConfig): MappedUser {
	const email = user.email?.trim().toLowerCase();
	if (email === undefined || email === '') {
		return { status: 'rejected', reason: 'missing_email', message: 'the user has no email address, which BlueConic profiles are matched on' };
	}
	if (!isEmailAddress(email)) {
		return { status: 'rejected', reason: 'invalid_email', message: `"${email.slice(0, 80)}" is not an email address` };
	}
	// Identity first; a mapping that names the email or tracking-id property cannot overwrite them.
	const propertiesById = new Map<string, ProfilePropertyWrite>();
	propertiesById.set(mapping.emailPropertyId, { id: mapping.emailPropertyId, values: [email], strategy: 'SET' });
	const trackingId = user.trackingId?.trim();
	if (mapping.trackingIdPropertyId !== undefined && trackingId) {
		const id = mapping.trackingIdPropertyId;
		propertiesById.set(id, { id, values: [trackingId], strategy: 'SET' });
	}
	const identityIds = new Set(propertiesById.keys());
	const attributeIssues: AttributeIssue[] = [];
	for (const attribute of mapping.attributes) {
		const id = attribute.blueconic.profilePropertyId;
		if (identityIds.has(id) || !Object.hasOwn(user.attributes, attribute.zephrAttributeId)) continue;
		const coerced = coerceAttributeValue(user.attributes[attribute.zephrAttributeId], attribute.blueconic.type);
		if (coerced.status === 'invalid') {
			attributeIssues.push({ attributeId: attribute.zephrAttributeId, reason: coerced.reason });
		} else if (coerced.status === 'coerced') {
			propertiesById.set(id, { id, values: coerced.values, strategy: 'SET' });
		}
	}
	return { status: 'mapped', email, properties: [...propertiesById.values()], attributeIssues };
}

/**
 * The `PUT /rest/v2/profiles` entry: upsert the profile whose email property holds `email`. The email is also the
 * entry's identifier: unique within a request once users are merged by email, and readable in BlueConic's logs.
 */
export function toProfileEntry(email: string, properties: readonly ProfilePropertyWrite[], mapping: ProfileMappingConfig): ProfileEntry {
	return {
		matching: [[{ id: mapping.emailPropertyId, value: email }]],
		properties,
		strategy: 'UPSERT',
		identifier: email,
	};
}
