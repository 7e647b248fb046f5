/**
 * The consent gate: with `profileSync.consentAttribute` configured, only users whose attribute is `true` (or the
 * text "true", as Zephr attributes entered in forms are strings) are sent. No gate configured: everyone is sent.
 */
export type ConsentDecision = 'granted' | 'withheld' | 'not_required';

export function consentDecision(attributes: Readonly<Record<string, unknown>>, consentAttribute: string | undefined): ConsentDecision {
	if (consentAttribute === undefined) return 'not_required';
	const value = attributes[consentAttribute];
	const granted = value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
	return granted ? 'granted' : 'withheld';
}
