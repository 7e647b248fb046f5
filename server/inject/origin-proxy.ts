import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'httpxy';
import { Counter, type Registry } from 'prom-client';
import type { ProxyConfig } from '../config/schema.js';
import { answerClosesConnection } from '../http/unread-body.js';
import type { Logger } from '../logger.js';
import { headerText } from './header-text.js';
import { Injection } from './injection.js';
import { resolveScriptTag } from './script-tag.js';

/** Paths the collector answers itself in proxy mode; everything else is the origin's. */
export function isCollectorPath(url: string | undefined): boolean {
	const path = (url ?? '/').split('?', 1)[0] as string;
	return path === '/healthz' || path === '/readyz' || path === '/metrics' || path === '/plugins' || path.startsWith('/plugins/');
}

// Headers about one connection, not the answer: the proxy's own connection to the browser has its own.
const hopByHopHeaders = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

const timedOut = Symbol('origin timed out');

export interface OriginProxyOptions {
	logger: Logger;
	/** Where `blueconic_bridge_proxy_responses_total` is registered. */
	registry: Registry;
	/** Whether the collector is draining: proxied HTTP/1 answers then say `Connection: close`, like its own. */
	isDraining?: () => boolean;
}

/**
 * `serve` as a reverse proxy in front of the publisher's origin (`"proxy": {"origin": ...}`): the collector's
 * own paths stay the collector's; every other request goes to the origin (httpxy), with the browser's Host, its
 * cookies and body, plus X-Forwarded-For/-Proto/-Host/-Port. The origin's answer comes back as it is, streamed
 * (status, Set-Cookie, Location, caching headers, server-sent events, downloads), except that an HTML page gets
 * the SDK's script tag (same-origin `src` and `data-endpoint`: this server answers both) on its way through.
 */
export class OriginProxy {
	readonly #proxy: ProxyServer;
	readonly #agent: HttpAgent;
	readonly #injection: Injection;
	readonly #timeoutMs: number;
	readonly #logger: Logger;
	readonly #answers: Counter<'outcome'>;
	readonly #isDraining: () => boolean;
	/** Answers still streaming from the origin, each with how to end it at the shutdown's deadline. */
	readonly #streaming = new Set<() => void>();

	constructor(config: ProxyConfig, { logger, registry, isDraining = () => false }: OriginProxyOptions) {
		const origin = new URL(config.origin);
		// Our own agent (kept-alive connections to the origin), so that close() can release exactly what we opened.
		this.#agent = origin.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
		this.#proxy = createProxyServer({ target: origin, agent: this.#agent, xfwd: true, selfHandleResponse: true });
		this.#timeoutMs = config.timeoutMs;
		this.#logger = logger;
		this.#isDraining = isDraining;
		this.#answers = new Counter({
			name: 'blueconic_bridge_proxy_responses_total',
			help: 'Answers the proxy passed on from the origin, by what happened to the script tag (or the origin failing).',
			labelNames: ['outcome'] as const,
			registers: [registry],
		});
		this.#injection = new Injection(resolveScriptTag({}, 'proxy'), logger, (outcome) => this.#answers.inc({ outcome }));
		this.#proxy.on('proxyReq', (proxyReq) => this.#limitWait(proxyReq));
		this.#proxy.on('proxyRes', (proxyRes, req, res) => this.#answer(proxyRes, req, res));
		this.#proxy.on('error', (error, _req, res) => this.#fail(error, res));
	}

	/** The server's request handler: the collector's paths to `handleCollectorRequest`, the rest to the origin. */
	wrap<Req extends object, Res extends object>(
		handleCollectorRequest: (req: Req, res: Res) => unknown,
	): (req: Req, res: Res) => unknown {
		return (req, res) => {
			const message = req as unknown as IncomingMessage;
			if (isCollectorPath(message.url)) return handleCollectorRequest(req, res);
			return this.forward(message, res as unknown as ServerResponse);
		};
	}

	forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
		return this.#proxy.web(req, res).catch((error: unknown) => this.#fail(error, res));
	}

	/**
	 * Ends the answers still streaming from the origin (event streams, long downloads): for a shutdown's deadline,
	 * so that they do not hold it. An answer without a length (chunked: an event stream) gets its proper end, so the
	 * browser sees the stream end and reconnects elsewhere; one whose length was announced is closed short, since it
	 * cannot be ended honestly. Either way the request is over, not cut.
	 */
	endStreams(): number {
		const ends = [...this.#streaming];
		this.#streaming.clear();
		for (const end of ends) end();
		if (ends.length > 0) this.#logger.info({ answersEnded: ends.length }, 'proxy: answers still streaming at the shutdown deadline were ended');
		return ends.length;
	}

	/** Closes the kept-alive connections to the origin; call once the server stopped taking requests. */
	close(): void {
		this.#agent.destroy();
	}

	/** The origin gets `timeoutMs` to start its answer; after that, no limit (event streams, long downloads). */
	#limitWait(proxyReq: ClientRequest): void {
		proxyReq.setTimeout(this.#timeoutMs, () => {
			proxyReq.destroy(Object.assign(new Error('the origin did not answer in time'), { [timedOut]: true }));
		});
		proxyReq.once('response', () => proxyReq.setTimeout(0));
	}

	#answer(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
		if (res.headersSent || res.destroyed) {
			proxyRes.destroy();
			return;
		}
		res.statusCode = proxyRes.statusCode ?? 502;
		if (proxyRes.statusMessage && req.httpVersionMajor < 2) res.statusMessage = proxyRes.statusMessage;
		const connectionTokens = (headerText(proxyRes.headers.connection) ?? '').split(',').map((token) => token.trim().toLowerCase());
		for (const [name, value] of Object.entries(proxyRes.headers)) {
			if (value === undefined || hopByHopHeaders.has(name) || connectionTokens.includes(name)) continue;
			res.setHeader(name, value);
		}
		const prepared = this.#injection.prepare(req.method, res.statusCode, (name) => headerText(proxyRes.headers[name]));
		if (prepared.inject) {
			for (const name of prepared.removeHeaders) res.removeHeader(name);
			for (const [name, value] of prepared.setHeaders) res.setHeader(name, value);
		}
		if (answerClosesConnection(req, this.#isDraining())) res.setHeader('Connection', 'close');
		// httpxy already ties the two ends together (the browser leaving destroys proxyRes; the origin cutting its
		// answer destroys res), so the answer is piped, not given to pipeline(): pipeline would add its own listeners
		// on res to httpxy's, past Node's limit of 10 (a MaxListenersExceededWarning per answer).
		let endedAtDeadline = false;
		const body: Readable = prepared.inject
			? (pipeline([proxyRes, ...prepared.stages], (error) => {
					if (!error) return;
					// The browser leaving, or the origin cutting its answer short: the answer is cut short here too.
					if (!res.destroyed && !endedAtDeadline) this.#injection.noteFailure(error);
					if (!res.destroyed) res.destroy();
				}) as Transform) // the last stage
			: proxyRes;
		const end = () => {
			if (res.writableEnded) return;
			endedAtDeadline = true;
			body.unpipe(res);
			if (res.hasHeader('content-length')) res.destroy();
			else res.end();
		};
		this.#streaming.add(end);
		res.once('close', () => this.#streaming.delete(end));
		body.pipe(res);
	}

	#fail(error: unknown, res: ServerResponse | object | undefined): void {
		const isTimeout = typeof error === 'object' && error !== null && timedOut in error;
		this.#answers.inc({ outcome: isTimeout ? 'origin_timeout' : 'origin_error' });
		// A socket here would be a WebSocket upgrade, which the collector does not forward.
		if (!(res && 'writeHead' in res)) return;
		const response = res as ServerResponse;
		if (response.headersSent) {
			response.destroy();
			return;
		}
		const errorCode = (error as NodeJS.ErrnoException | undefined)?.code;
		this.#logger.warn({ code: errorCode }, isTimeout ? 'proxy: the origin timed out' : 'proxy: the origin failed');
		const [status, code, message] = isTimeout
			? [504, 'origin_timeout', 'the origin did not answer in time']
			: [502, 'origin_unavailable', 'the origin could not be reached'];
		const body = JSON.stringify({ error: { code, message } });
		response.writeHead(status, {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Length': Buffer.byteLength(body),
			'Cache-Control': 'no-store',
		});
		response.end(body);
	}
}
