/**
 * Finds where one response ends in the bytes of a keep-alive connection that carries one request at a time.
 * Both servers answer with a Content-Length (or none, for 204); a chunked answer is refused as a bench bug.
 */
export class ResponseReader {
	#pending: Buffer = Buffer.alloc(0);

	/** The status once a whole response has arrived, else undefined. */
	read(chunk: Buffer): number | undefined {
		this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
		const headEnd = this.#pending.indexOf('\r\n\r\n');
		if (headEnd === -1) return undefined;
		const head = this.#pending.toString('latin1', 0, headEnd);
		if (/^transfer-encoding:/im.test(head)) throw new Error('the load generator reads only Content-Length answers');
		const bodyLength = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
		const responseEnd = headEnd + 4 + bodyLength;
		if (this.#pending.length < responseEnd) return undefined;
		this.#pending = this.#pending.subarray(responseEnd);
		return Number(head.slice(9, 12));
	}
}
