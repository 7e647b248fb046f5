import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A POST the collector stand-in received, with what the browser sent along. */
export interface RecordedPost {
	path: string;
	/** `Origin` header, if the browser sent one. */
	origin: string | undefined;
	contentType: string | undefined;
	cookie: string | undefined;
	body: string;
	/** Milliseconds since the server started. */
	receivedAt: number;
	/** Whether the CORS check let it through (false: answered 403 without CORS headers). */
	allowed: boolean;
}

/** A CORS preflight it received, and whether it was allowed. */
export interface RecordedPreflight {
	origin: string | undefined;
	allowed: boolean;
}

/** How to answer the next segment post. */
export interface PlannedAnswer {
	status: number;
	headers?: Record<string, string>;
}

interface Page {
	html: string;
	headers: Record<string, string>;
}

const distDirectory = fileURLToPath(new URL('../../dist/sdk/', import.meta.url));
const fakeBlueConicFile = fileURLToPath(new URL('./fake-blueconic.js', import.meta.url));

/**
 * The browser tests' web server on 127.0.0.1: serves the built SDK (`/sdk/<file>`), the fake BlueConic client
 * (`/fake-blueconic.js`) and the test pages registered with `page()`, and stands in for the collector at any path
 * ending in `/segments`: it records each post with its headers and cookies, answers 204 or what `answerNext()`
 * planned, and does CORS exactly like the collector: an allowed origin is echoed with credentials allowed, any
 * other cross-origin request is refused (403, no CORS headers).
 */
export class TestServer {
	readonly posts: RecordedPost[] = [];
	readonly preflights: RecordedPreflight[] = [];
	readonly allowedOrigins = new Set<string>();
	private readonly pages = new Map<string, Page>();
	private readonly plannedAnswers: PlannedAnswer[] = [];
	private readonly startedAt = Date.now();
	private readonly postListeners = new Set<() => void>();

	private constructor(private readonly server: Server) {}

	static async start(): Promise<TestServer> {
		const server = createServer();
		const testServer = new TestServer(server);
		server.on('request', (request, response) => {
			testServer.handle(request, response).catch((error: unknown) => {
				response.statusCode = 500;
				response.end(String(error));
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return testServer;
	}

	get port(): number {
		return (this.server.address() as AddressInfo).port;
	}

	/** An address on this server; `host` defaults to 127.0.0.1 (the cross-origin test maps names onto it). */
	url(path: string, host = '127.0.0.1'): string {
		return `http://${host}:${this.port}${path}`;
	}

	/** Serves `html` at `path` (as text/html, plus `headers`, e.g. a CSP or a Set-Cookie). */
	page(path: string, html: string, headers: Record<string, string> = {}): void {
		this.pages.set(path, { html, headers });
	}

	/** The next segment posts get these answers, in order; after them, 204 again. */
	answerNext(...answers: PlannedAnswer[]): void {
		this.plannedAnswers.push(...answers);
	}

	/** Resolves with the posts once at least `count` arrived; rejects after `timeoutMs`. */
	waitForPosts(count: number, timeoutMs = 15_000): Promise<RecordedPost[]> {
		return new Promise((resolve, reject) => {
			const check = (): void => {
				if (this.posts.length < count) return;
				clearTimeout(timer);
				this.postListeners.delete(check);
				resolve(this.posts);
			};
			const timer = setTimeout(() => {
				this.postListeners.delete(check);
				reject(new Error(`expected ${count} posts within ${timeoutMs} ms, got ${this.posts.length}`));
			}, timeoutMs);
			this.postListeners.add(check);
			check();
		});
	}

	/** Forgets the recorded requests and planned answers (between tests sharing the server). */
	reset(): void {
		this.posts.length = 0;
		this.preflights.length = 0;
		this.plannedAnswers.length = 0;
		this.allowedOrigins.clear();
	}

	close(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}

	private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const path = new URL(request.url ?? '/', 'http://localhost').pathname;
		if (path.endsWith('/segments')) return this.collect(request, response);
		if (request.method !== 'GET') return answer(response, 405);
		if (path.startsWith('/sdk/')) {
			const file = path.slice('/sdk/'.length);
			if (!/^[\w.-]+\.js$/.test(file)) return answer(response, 404);
			return answer(response, 200, await readFile(distDirectory + file), { 'Content-Type': 'text/javascript' });
		}
		if (path === '/fake-blueconic.js') {
			return answer(response, 200, await readFile(fakeBlueConicFile), { 'Content-Type': 'text/javascript' });
		}
		const page = this.pages.get(path);
		if (!page) return answer(response, 404);
		return answer(response, 200, page.html, { 'Content-Type': 'text/html; charset=utf-8', ...page.headers });
	}

	private async collect(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const origin = request.headers.origin;
		const sameOrigin = origin === undefined || origin === `http://${request.headers.host}`;
		const allowed = sameOrigin || this.allowedOrigins.has(origin);
		const corsHeaders: Record<string, string> =
			allowed && !sameOrigin
				? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' }
				: {};
		if (request.method === 'OPTIONS') {
			this.preflights.push({ origin, allowed });
			if (!allowed) return answer(response, 403);
			return answer(response, 204, '', {
				...corsHeaders,
				'Access-Control-Allow-Methods': 'POST',
				'Access-Control-Allow-Headers': 'Content-Type',
				'Access-Control-Max-Age': '600',
			});
		}
		if (request.method !== 'POST') return answer(response, 405);
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		this.posts.push({
			path: request.url ?? '',
			origin,
			contentType: request.headers['content-type'],
			cookie: request.headers.cookie,
			body: Buffer.concat(chunks).toString('utf8'),
			receivedAt: Date.now() - this.startedAt,
			allowed,
		});
		for (const listener of [...this.postListeners]) listener();
		if (!allowed) return answer(response, 403);
		const planned = this.plannedAnswers.shift() ?? { status: 204 };
		return answer(response, planned.status, '', { ...corsHeaders, ...planned.headers });
	}
}

function answer(
	response: ServerResponse,
	status: number,
	body: string | Buffer = '',
	headers: Record<string, string> = {},
): void {
	response.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
	response.end(body);
}
