import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `given` is one of the admin keys. Compared as SHA-256 digests in constant time against every key, as
 * the backend API keys are (server/http/api-key.ts), so neither a key's bytes nor its length leak through timings.
 */
export function isAdminKey(adminKeys: readonly string[], given: string): boolean {
	const givenDigest = digestOf(given);
	let valid = false;
	for (const key of adminKeys) valid = timingSafeEqual(digestOf(key), givenDigest) || valid;
	return valid;
}

function digestOf(key: string): Buffer {
	return createHash('sha256').update(key).digest();
}
