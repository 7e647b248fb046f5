import type { CollectorConfig } from '../config/schema.js';
import { HttpError } from '../errors/http-error.js';

/** What a BlueConic call from the console needs: the tenant and the client credentials, resolved. */
export interface BlueConicCredentials {
	readonly baseUrl: string;
	readonly clientId: string;
	readonly clientSecret: string;
	readonly timeoutMs: number;
}

/** The credentials in force; 409 `blueconic_not_configured` without a `blueconic` section. */
export function credentialsInForce(config: CollectorConfig): BlueConicCredentials {
	const blueconic = config.blueconic;
	if (blueconic === undefined) {
		throw new HttpError(409, 'blueconic_not_configured', 'the configuration has no "blueconic" section (baseUrl, clientId, clientSecret)');
	}
	return { baseUrl: blueconic.baseUrl, clientId: blueconic.clientId, clientSecret: blueconic.clientSecret, timeoutMs: blueconic.timeoutMs };
}

const envPrefix = 'env:';

/**
 * A credential as the console sends it: a value, `"env:NAME"` (read from this process's environment), or, for the
 * secret, `{"keep": true}` (the one in force). 400 when it is none of these.
 */
export function resolveCredential(
	value: unknown,
	field: string,
	inForce: string | undefined,
	env: NodeJS.ProcessEnv = process.env,
): string {
	if (isKeep(value)) {
		if (inForce === undefined) throw new HttpError(400, 'invalid_request', `${field}: there is no value in force to keep`);
		return inForce;
	}
	if (typeof value !== 'string' || value.trim() === '' || value.length > 4096) {
		throw new HttpError(400, 'invalid_request', `${field}: must be a non-empty string${field === 'clientSecret' ? ' or {"keep": true}' : ''}`);
	}
	if (!value.startsWith(envPrefix)) return value;
	const name = value.slice(envPrefix.length);
	const resolved = env[name];
	if (resolved === undefined || resolved === '') {
		throw new HttpError(400, 'invalid_request', `${field}: environment variable ${name.slice(0, 100)} is not set on the collector`);
	}
	return resolved;
}

export function isKeep(value: unknown): value is { keep: true } {
	return typeof value === 'object' && value !== null && (value as { keep?: unknown }).keep === true;
}

/** `baseUrl` as the console sends it: an absolute http(s) URL, without trailing slashes. */
export function resolveBaseUrl(value: unknown): string {
	let url: URL | undefined;
	try {
		url = typeof value === 'string' ? new URL(value) : undefined;
	} catch {
		url = undefined;
	}
	if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
		throw new HttpError(400, 'invalid_request', 'baseUrl: must be an absolute http or https URL, like https://tenant.blueconic.net');
	}
	let text = value as string;
	while (text.endsWith('/')) text = text.slice(0, -1);
	return text;
}
