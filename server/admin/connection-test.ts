import type { LogSink } from '../blueconic/log-sink.js';
import { createTokenProvider } from '../blueconic/token-provider.js';
import { resolveBackoffPolicy } from '../utils/backoff.js';
import type { BlueConicCredentials } from './blueconic-credentials.js';
import { networkReason } from './blueconic-get.js';
import { consoleScopes } from './blueconic-tokens.js';

export type ConnectionTestAnswer = { ok: true; message: string } | { ok: false; status: number | null; message: string };

/** What BlueConic's token endpoint answered, as far as the console may repeat it (never a token). */
interface TokenAnswer {
	status: number;
	error?: string;
	errorDescription?: string;
	expiresIn?: number;
}

/**
 * "Test connection": one token request with the given credentials, through BlueConic's token machinery, and
 * exactly what BlueConic answered: its status, `error` and `error_description`; or why it could not be reached.
 * The token machinery words failures for logs, so the answer itself is read on the way past (`observed`).
 */
export async function testConnection(
	credentials: BlueConicCredentials,
	{ fetch: fetchFn, now, logger }: { fetch: typeof globalThis.fetch; now: () => number; logger: LogSink },
): Promise<ConnectionTestAnswer> {
	let answered: TokenAnswer | undefined;
	let unreachable: string | undefined;
	const observed: typeof fetch = async (input, init) => {
		let response: Response;
		try {
			response = await fetchFn(input, init);
		} catch (error) {
			unreachable = init?.signal?.aborted ? undefined : networkReason(error);
			throw error;
		}
		const text = await response.text();
		answered = { status: response.status, ...tokenAnswerFields(text) };
		return new Response(text, { status: response.status, headers: response.headers });
	};
	const timeoutMs = Math.min(credentials.timeoutMs, 10_000);
	const tokens = createTokenProvider({
		config: { ...credentials, timeoutMs, scope: consoleScopes },
		policy: resolveBackoffPolicy({ maxAttempts: 1 }),
		refreshMarginMs: 0,
		fetch: observed,
		now,
		events: {},
		logger,
	});
	try {
		await tokens.getToken();
		const lifetime = answered?.expiresIn === undefined ? '' : ` (expires in ${answered.expiresIn} s)`;
		return { ok: true, message: `BlueConic issued a token${lifetime}` };
	} catch {
		if (answered !== undefined) {
			const words = [answered.error, answered.errorDescription].filter((part) => part !== undefined);
			const detail = answered.error !== undefined && answered.errorDescription !== undefined ? `${answered.error}: ${answered.errorDescription}` : words.join(' ');
			return { ok: false, status: answered.status, message: `BlueConic answered ${answered.status}${detail ? ` ${detail}` : ''}` };
		}
		const why = unreachable ?? `no answer within ${timeoutMs} ms (timeout)`;
		return { ok: false, status: null, message: `BlueConic could not be reached at ${new URL(credentials.baseUrl).host}: ${why}` };
	}
}

function tokenAnswerFields(text: string): Omit<TokenAnswer, 'status'> {
	let body: Record<string, unknown>;
	try {
		body = (JSON.parse(text) ?? {}) as Record<string, unknown>;
	} catch {
		return {};
	}
	const fields: Omit<TokenAnswer, 'status'> = {};
	if (typeof body.error === 'string') fields.error = body.error.slice(0, 100);
	if (typeof body.error_description === 'string') fields.errorDescription = body.error_description.slice(0, 300);
	if (typeof body.expires_in === 'number') fields.expiresIn = body.expires_in;
	return fields;
}
