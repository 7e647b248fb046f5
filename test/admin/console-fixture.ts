import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectorOptions } from '../../server/app.js';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { send, type TestResponse } from '../server/http-client.js';
import { type StartedCollector, startCollector, testConfig } from '../server/collector-fixture.js';

export const adminKey = 'admin-key-0123456789abcdef';
export const consolePath = '/plugins/blueconic/admin';

/** A stand-in for the console's build (dist/admin): an index.html, a script, a stylesheet and an image. */
export async function makeAssetsFolder(): Promise<{ path: string; remove: () => Promise<void> }> {
	const path = await mkdtemp(join(tmpdir(), 'bcb-admin-assets-'));
	await mkdir(join(path, 'assets'));
	await writeFile(join(path, 'index.html'), '<!doctype html><title>Console</title><script type="module" src="./assets/console.js"></script>');
	await writeFile(join(path, 'assets', 'console.js'), 'console.log("console");');
	await writeFile(join(path, 'assets', 'console.css'), 'body { margin: 0 }');
	await writeFile(join(path, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
	// Outside the assets folder: what a traversal would try to reach.
	await writeFile(join(path, 'secret.txt'), 'not an asset');
	return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface ConsoleCollector extends StartedCollector {
	/** Sends a request to the collector (Host: www.publisher.test), with the console cookie once signed in. */
	request(path: string, init?: { method?: string; headers?: Record<string, string>; body?: unknown }): Promise<TestResponse>;
	/** Signs in with the admin key; returns the CSRF token and keeps the cookie for `request`. */
	signIn(key?: string): Promise<string>;
	/** A console write with the JSON type and the CSRF token. */
	write(method: string, path: string, body?: unknown): Promise<TestResponse>;
	cookie: string | undefined;
	csrfToken: string | undefined;
}

export async function startConsoleCollector(
	overrides: Partial<CollectorConfigInput> = {},
	options: CollectorOptions = {},
): Promise<ConsoleCollector> {
	const started = await startCollector(testConfig({ adminKeys: [adminKey], ...overrides }), options);
	const console: ConsoleCollector = {
		...started,
		cookie: undefined,
		csrfToken: undefined,
		request(path, { method = 'GET', headers = {}, body } = {}) {
			const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
			return send(`${started.url}${path}`, {
				method,
				headers: {
					host: 'www.publisher.test',
					...(console.cookie === undefined ? {} : { cookie: console.cookie }),
					// Node's client sends a DELETE's body without a length unless told one.
					...(text === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }),
					...headers,
				},
				body: text,
			});
		},
		async signIn(key = adminKey) {
			const answer = await console.request(`${consolePath}/api/session`, { method: 'POST', body: { key } });
			if (answer.status !== 200) throw new Error(`sign-in answered ${answer.status}: ${answer.text}`);
			console.cookie = cookieOf(answer);
			console.csrfToken = (answer.json as { csrfToken: string }).csrfToken;
			return console.csrfToken;
		},
		write(method, path, body = {}) {
			return console.request(path, { method, body, headers: { 'x-csrf-token': console.csrfToken ?? '' } });
		},
	};
	return console;
}

/** `bcb_admin=<value>` from an answer's Set-Cookie. */
export function cookieOf(answer: TestResponse): string {
	const setCookie = setCookieOf(answer);
	return setCookie.slice(0, setCookie.indexOf(';'));
}

export function setCookieOf(answer: TestResponse): string {
	const header = answer.headers['set-cookie'];
	const value = Array.isArray(header) ? header.find((cookie) => cookie.startsWith('bcb_admin=')) : undefined;
	if (value === undefined) throw new Error('no bcb_admin cookie was set');
	return value;
}
