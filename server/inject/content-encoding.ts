import type { Transform } from 'node:stream';
import zlib from 'node:zlib';

/** The `Content-Encoding`s the injector can undo and redo. */
export type SupportedEncoding = 'identity' | 'gzip' | 'deflate' | 'br';

/**
 * Brotli quality for re-compressing a page on the fly. The default (11) is meant for files compressed once
 * ahead of time and costs tens of milliseconds per 100 KB; 5 is what CDNs use on the fly.
 */
const brotliQuality = 5;

/** The encoding named by a `Content-Encoding` value, or undefined for one (or a list of several) this cannot redo. */
export function parseContentEncoding(value: string | undefined): SupportedEncoding | undefined {
	const encoding = (value ?? '').trim().toLowerCase();
	switch (encoding) {
		case '':
		case 'identity':
			return 'identity';
		case 'gzip':
		case 'x-gzip':
			return 'gzip';
		case 'deflate':
			return 'deflate';
		case 'br':
			return 'br';
		default:
			return undefined;
	}
}

/** The decompressor for `encoding` (undefined for identity). */
export function decoderFor(encoding: SupportedEncoding): Transform | undefined {
	switch (encoding) {
		case 'identity':
			return undefined;
		case 'gzip':
			return zlib.createGunzip();
		case 'deflate':
			return zlib.createInflate();
		case 'br':
			return zlib.createBrotliDecompress();
	}
}

/**
 * The compressor for `encoding` (undefined for identity). Each chunk is flushed as it comes, so a page the
 * origin sends in parts reaches the browser in parts (its head first) instead of waiting for a full window.
 */
export function encoderFor(encoding: SupportedEncoding): Transform | undefined {
	switch (encoding) {
		case 'identity':
			return undefined;
		case 'gzip':
			return zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH });
		case 'deflate':
			return zlib.createDeflate({ flush: zlib.constants.Z_SYNC_FLUSH });
		case 'br':
			return zlib.createBrotliCompress({
				flush: zlib.constants.BROTLI_OPERATION_FLUSH,
				params: { [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality },
			});
	}
}
