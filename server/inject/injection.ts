import type { Transform } from 'node:stream';
import type { Logger } from '../logger.js';
import { decoderFor, encoderFor } from './content-encoding.js';
import { adjustCsp } from './csp.js';
import { HtmlInjector, type InjectionOutcome } from './html-injector.js';
import { type InjectionPlan, planInjection, type ReadHeader, type SkipReason, weakenEtag } from './injection-plan.js';
import { isBridgeScript, type ScriptTag, scriptTagHtml } from './script-tag.js';

/** What to do with one answer: pass it on, or change these headers and pipe the body through `stages`. */
export type PreparedAnswer =
	| { inject: false }
	| {
			inject: true;
			/** Headers to set (name, value) and to remove, before the head is written. */
			setHeaders: [string, string][];
			removeHeaders: string[];
			/** decompress → insert the tag → compress, for this answer's encoding (one new set per answer). */
			stages: Transform[];
	  };

/** Distinct skip notices remembered, so that odd origins cannot grow this without bound. */
const maxNotices = 100;

/** Skips an operator may want to hear about (once), as opposed to answers that are simply not pages. */
const skipNotices: Partial<Record<SkipReason, (detail: string) => string>> = {
	no_transform: () => 'the answer says Cache-Control: no-transform',
	unsupported_encoding: (detail) => `its Content-Encoding "${detail}" is not one of gzip, br, deflate`,
	unsupported_charset: (detail) => `its charset "${detail}" is not ASCII-compatible`,
};

/**
 * What the three ways of injecting (node:http middleware, Koa middleware, the proxy) share: the tag, the decision
 * per answer, the header changes, the body stages, and a log line the first time each unusual skip happens.
 */
export class Injection {
	readonly #tag: ScriptTag;
	readonly #logger: Logger | undefined;
	readonly #onOutcome: ((outcome: InjectionOutcome | 'skipped') => void) | undefined;
	readonly #noticed = new Set<string>();

	constructor(tag: ScriptTag, logger?: Logger, onOutcome?: (outcome: InjectionOutcome | 'skipped') => void) {
		this.#tag = tag;
		this.#logger = logger;
		this.#onOutcome = onOutcome;
	}

	/** Decides from the request method, status and response headers; for an injection, says what to change. */
	prepare(method: string | undefined, status: number, readHeader: ReadHeader): PreparedAnswer {
		const plan = planInjection(method, status, readHeader);
		if (plan.action === 'skip') {
			this.#noteSkip(plan);
			this.#onOutcome?.('skipped');
			return { inject: false };
		}
		const setHeaders: [string, string][] = [];
		const removeHeaders = ['content-length', 'accept-ranges'];
		const etag = readHeader('etag');
		if (etag !== undefined) setHeaders.push(['etag', weakenEtag(etag)]);
		const enforced = readHeader('content-security-policy');
		const reportOnly = readHeader('content-security-policy-report-only');
		const csp = adjustCsp({ enforced, reportOnly }, this.#tag);
		if (csp.enforced !== enforced && csp.enforced !== undefined) setHeaders.push(['content-security-policy', csp.enforced]);
		if (csp.reportOnly !== reportOnly && csp.reportOnly !== undefined) {
			setHeaders.push(['content-security-policy-report-only', csp.reportOnly]);
		}
		const injector = new HtmlInjector({
			tagHtml: scriptTagHtml(this.#tag, csp.nonce),
			isBridgeScript: (attrs) => isBridgeScript(this.#tag, attrs),
			...(this.#onOutcome ? { onOutcome: this.#onOutcome } : {}),
		});
		const decoder = decoderFor(plan.encoding);
		const encoder = encoderFor(plan.encoding);
		const stages = [decoder, injector, encoder].filter((stage): stage is Transform => stage !== undefined);
		return { inject: true, setHeaders, removeHeaders, stages };
	}

	/** Logs an injection that broke off midway (a corrupt compressed body, an origin gone): the answer is cut. */
	noteFailure(error: unknown): void {
		this.#logger?.warn({ err: error }, 'script injection: the page could not be passed on whole');
	}

	#noteSkip(plan: Extract<InjectionPlan, { action: 'skip' }>): void {
		const explain = skipNotices[plan.reason];
		if (explain === undefined) return;
		const key = `${plan.reason}:${plan.detail ?? ''}`;
		if (this.#noticed.has(key) || this.#noticed.size >= maxNotices) return;
		this.#noticed.add(key);
		this.#logger?.info(
			{ reason: plan.reason },
			`script injection: an HTML answer passed on unchanged, because ${explain(plan.detail ?? '')} (logged once)`,
		);
	}
}
