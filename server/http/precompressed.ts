import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { ContentCoding } from './accept-encoding.js';

/** One encoding of a file, ready to send. */
export interface Representation {
	readonly coding: ContentCoding;
	readonly bytes: Buffer;
	/** A strong ETag of these very bytes: each encoding has its own, as RFC 9110 asks. */
	readonly etag: string;
}

/**
 * A file in every coding worth sending, compressed once (gzip level 9, brotli at its best quality): identity
 * always, gzip and brotli when they come out smaller. What the README states as the script's sizes.
 */
export function precompress(bytes: Buffer): ReadonlyMap<ContentCoding, Representation> {
	const representations = new Map<ContentCoding, Representation>([['identity', representation('identity', bytes)]]);
	const gzip = gzipSync(bytes, { level: 9 });
	if (gzip.length < bytes.length) representations.set('gzip', representation('gzip', gzip));
	const brotli = brotliCompressSync(bytes, {
		params: {
			[constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
			[constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
			[constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
		},
	});
	if (brotli.length < bytes.length) representations.set('br', representation('br', brotli));
	return representations;
}

function representation(coding: ContentCoding, bytes: Buffer): Representation {
	return { coding, bytes, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` };
}
