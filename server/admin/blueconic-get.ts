/**
 * One bounded GET of BlueConic's REST API for the console: a deadline over the whole exchange and a cap on the
 * body's bytes, so a huge or endless answer costs at most `maxBytes` of memory.
 */

export type GetOutcome =
	| { readonly status: 'ok'; readonly body: unknown; readonly bytes: number }
	| { readonly status: 'failed'; readonly httpStatus: number | null; readonly message: string };

export interface GetOptions {
	readonly token: string;
	readonly timeoutMs: number;
	readonly maxBytes: number;
	readonly fetch: typeof fetch;
}

export async function getJson(url: string, { token, timeoutMs, maxBytes, fetch }: GetOptions): Promise<GetOutcome> {
	const signal = AbortSignal.timeout(timeoutMs);
	const where = new URL(url).pathname;
	try {
		const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal });
		const text = await readCapped(response, maxBytes);
		if (text === undefined) {
			return { status: 'failed', httpStatus: response.status, message: `BlueConic answered GET ${where} with more than ${maxBytes} bytes` };
		}
		let body: unknown;
		try {
			body = JSON.parse(text) as unknown;
		} catch {
			body = undefined;
		}
		if (response.status < 200 || response.status >= 300) {
			return { status: 'failed', httpStatus: response.status, message: `BlueConic answered ${response.status} to GET ${where}${describeError(body)}` };
		}
		if (body === undefined) return { status: 'failed', httpStatus: response.status, message: `BlueConic answered GET ${where} with a body that is not JSON` };
		return { status: 'ok', body, bytes: Buffer.byteLength(text) };
	} catch (error) {
		if (signal.aborted) return { status: 'failed', httpStatus: null, message: `GET ${where} timed out after ${timeoutMs} ms` };
		return { status: 'failed', httpStatus: null, message: `GET ${where} failed: ${networkReason(error)}` };
	}
}

/** The body as text, or `undefined` once it passes `maxBytes` (the rest is not read). */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
	if (response.body === null) return '';
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let bytes = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		bytes += value.byteLength;
		if (bytes > maxBytes) {
			await reader.cancel();
			return undefined;
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** BlueConic's own words for a refusal: its `message` (REST errors) or `error_description` (OAuth), capped. */
export function describeError(body: unknown): string {
	const fields = (body ?? {}) as { code?: unknown; message?: unknown; error?: unknown; error_description?: unknown };
	const code = typeof fields.error === 'string' ? fields.error : typeof fields.code === 'string' ? fields.code : undefined;
	const text = typeof fields.error_description === 'string' ? fields.error_description : typeof fields.message === 'string' ? fields.message : undefined;
	if (code === undefined && text === undefined) return '';
	return `: ${[code, text].filter((part) => part !== undefined).join(' ').slice(0, 300)}`;
}

/** undici hides the useful part (ENOTFOUND, ECONNREFUSED) in `cause`. */
export function networkReason(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const cause = error.cause as { code?: unknown; hostname?: unknown } | undefined;
	if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') {
		return `the host name${typeof cause.hostname === 'string' ? ` ${cause.hostname.slice(0, 200)}` : ''} could not be resolved (DNS ${cause.code})`;
	}
	if (typeof cause?.code === 'string') return `${error.message} (${cause.code})`;
	return error.message;
}
