import type { ErrorBody } from './contract.js';

/** An answer of the admin API: its JSON body when 2xx, else the contract's error body. */
export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: ErrorBody };

// Relative to the page (`/plugins/blueconic/admin/`), so the console works wherever the collector mounts it.
const apiBase = 'api/';

let csrfToken = '';

/** Remembers the token every write must carry (from sign-in or the session check). */
export function setCsrfToken(token: string): void {
	csrfToken = token;
}

/**
 * One call to the admin API. Writes send JSON and the CSRF token. A network failure or a body that is not the
 * contract's JSON becomes an error answer too, so every caller handles one shape.
 */
export async function callApi<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Answer<T>> {
	const headers: Record<string, string> = { Accept: 'application/json' };
	if (method !== 'GET') {
		headers['Content-Type'] = 'application/json';
		if (csrfToken !== '') headers['X-CSRF-Token'] = csrfToken;
	}
	let response: Response;
	try {
		response = await fetch(apiBase + path, {
			method,
			headers,
			credentials: 'same-origin',
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
	} catch {
		return failure(0, 'network_error', 'The collector could not be reached. Is it running?');
	}
	if (response.status === 204) return { ok: true, status: 204, body: undefined as T };
	let parsed: unknown;
	try {
		parsed = await response.json();
	} catch {
		return failure(response.status, 'bad_answer', `The collector answered ${response.status} without JSON.`);
	}
	if (response.ok) return { ok: true, status: response.status, body: parsed as T };
	if (isErrorBody(parsed)) return { ok: false, status: response.status, body: parsed };
	return failure(response.status, 'bad_answer', `The collector answered ${response.status}.`);
}

function failure(status: number, code: string, message: string): { ok: false; status: number; body: ErrorBody } {
	return { ok: false, status, body: { error: { code, message } } };
}

function isErrorBody(value: unknown): value is ErrorBody {
	const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
	return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** The sentence to show for a failed call. */
export function errorText(answer: { body: ErrorBody }): string {
	return answer.body.error.message;
}
