import type { CollectorConfig } from '../config/schema.js';
import { HttpError } from '../errors/http-error.js';

/**
 * A "featured" decision must name a configured featured segment: a typo in a rule is a 400 the rule's author
 * sees, not a silent "no" for every visitor.
 */
export function requireFeatured(featured: CollectorConfig['featuredSegments'], segmentId: string, where: string): string {
	if (!Object.hasOwn(featured, segmentId)) {
		throw new HttpError(400, 'unknown_featured_segment', `${where}: "${segmentId.slice(0, 200)}" is not a featured segment`);
	}
	return segmentId;
}
