import type { PropertyType } from '../blueconic/property-types.js';

/** The attribute types the console's type picker offers: the schema's normalised names (it accepts more spellings). */
export const acceptedTypes: readonly PropertyType[] = ['TEXT', 'EMAIL', 'NUMBER', 'DECIMAL', 'CURRENCY', 'DATETIME'];
