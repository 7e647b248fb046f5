/**
 * Finds where one response ends in the bytes of a keep-alive connection that carries one request at a time.
 * Answers carry a Content-Length (or none, for 204) or are chunked (the proxy's injected pages); body bytes are
 * counted and skipped, never copied, so a 100 KB page costs the load generator little.
 */
export class ResponseReader {
	/** Bytes of the head not complete yet. */
	#pendingHead: Buffer = Buffer.alloc(0);
	#state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' = 'head';
	/** Body or chunk bytes still to skip. */
	#remaining = 0;
	/** The chunk-size or trailer line read so far. */
	#line = '';
	#status = 0;

	/** The status once a whole response has arrived, else undefined. */
	read(chunk: Buffer): number | undefined {
		let bytes = chunk;
		if (this.#state === 'head') {
			this.#pendingHead = this.#pendingHead.length === 0 ? chunk : Buffer.concat([this.#pendingHead, chunk]);
			const headEnd = this.#pendingHead.indexOf('\r\n\r\n');
			if (headEnd === -1) return undefined;
			const head = this.#pendingHead.toString('latin1', 0, headEnd);
			bytes = this.#pendingHead.subarray(headEnd + 4);
			this.#pendingHead = Buffer.alloc(0);
			this.#status = Number(head.slice(9, 12));
			if (/^transfer-encoding:[ \t]*chunked/im.test(head)) {
				this.#state = 'chunk-size';
			} else {
				this.#state = 'body';
				this.#remaining = Number(/^content-length:[ \t]*(\d+)/im.exec(head)?.[1] ?? 0);
			}
		}
		return this.#readBody(bytes);
	}

	#readBody(bytes: Buffer): number | undefined {
		let offset = 0;
		for (;;) {
			switch (this.#state) {
				case 'body':
				case 'chunk-data': {
					const skipped = Math.min(this.#remaining, bytes.length - offset);
					this.#remaining -= skipped;
					offset += skipped;
					if (this.#remaining > 0) return undefined;
					if (this.#state === 'body') return this.#done(bytes.subarray(offset));
					this.#state = 'chunk-end';
					this.#remaining = 2; // the CRLF after the data
					break;
				}
				case 'chunk-end': {
					const skipped = Math.min(this.#remaining, bytes.length - offset);
					this.#remaining -= skipped;
					offset += skipped;
					if (this.#remaining > 0) return undefined;
					this.#state = 'chunk-size';
					break;
				}
				case 'chunk-size':
				case 'trailers': {
					const lineEnd = bytes.indexOf(0x0a, offset);
					if (lineEnd === -1) {
						this.#line += bytes.toString('latin1', offset);
						return undefined;
					}
					const line = (this.#line + bytes.toString('latin1', offset, lineEnd)).replace(/\r$/, '');
					this.#line = '';
					offset = lineEnd + 1;
					if (this.#state === 'trailers') {
						if (line === '') return this.#done(bytes.subarray(offset));
					} else {
						const size = Number.parseInt(line, 16);
						if (!Number.isInteger(size)) throw new Error(`not a chunk size: ${line.slice(0, 20)}`);
						this.#state = size === 0 ? 'trailers' : 'chunk-data';
						this.#remaining = size;
					}
					break;
				}
				case 'head':
					return undefined;
			}
		}
	}

	#done(rest: Buffer): number {
		// With one request at a time nothing follows an answer; whatever does is the next head's start.
		this.#pendingHead = rest;
		this.#state = 'head';
		return this.#status;
	}
}
