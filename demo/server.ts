import { createServer } from 'node:http';
import { createDecisionClient, type DecisionClient } from '../client/index.js';
import { type Collector, createCollector, createLogger } from '../server/index.js';
import { startListening, stopServing } from '../server/listen.js';
import { demoCollectorConfig } from './config.js';
import { readPublicFiles } from './public-files.js';
import { createSite, isSitePath } from './site.js';

export interface DemoOptions {
	/** Default 3000; 0 picks a free port. */
	port?: number;
	/** Default 127.0.0.1. */
	host?: string;
	/** The collector's log level. Default `warn`, so the terminal shows problems only. */
	logLevel?: string;
}

export interface RunningDemo {
	/** The address to open, with the port actually bound. */
	url: string;
	collector: Collector;
	/** Stops taking connections, lets requests in flight finish (closing them after a few seconds), closes the collector. */
	stop(): Promise<void>;
}

// A decision may wait 1.5 s for a first report; a little more than that is enough to let requests finish.
const stopGraceMs = 3_000;

/**
 * Runs the demo on one HTTP server: the publisher site's routes, and the collector for every other path
 * (same origin, so the page needs no CORS).
 */
export async function startDemo({ port = 3000, host = '127.0.0.1', logLevel = 'warn' }: DemoOptions = {}): Promise<RunningDemo> {
	const { config, apiKey } = demoCollectorConfig(['localhost', '127.0.0.1', host]);
	const collector = createCollector(config, { logger: createLogger(logLevel) });
	const sessions = collector.memorySessions;
	if (!sessions) throw new Error('the demo collector must use memory sessions');

	let decisionClient: DecisionClient | undefined;
	const site = createSite({
		sessions,
		decisionClient: () => {
			if (!decisionClient) throw new Error('the demo is not listening yet');
			return decisionClient;
		},
		publicFiles: readPublicFiles(),
	});
	const handleSite = site.callback();
	const handleCollector = collector.callback();
	const server = createServer((req, res) => {
		const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
		if (isSitePath(path)) void handleSite(req, res);
		else void handleCollector(req, res);
	});

	const loopbackUrl = await startListening(server, port, host);
	// The collector runs in this process: a slow answer means a busy machine, not a lost one, so wait for it.
	decisionClient = createDecisionClient({ baseUrl: loopbackUrl, apiKey, timeoutMs: 10_000 });
	const shownHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;

	let stopping: Promise<void> | undefined;
	return {
		url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${new URL(loopbackUrl).port}`,
		collector,
		stop() {
			stopping ??= (async () => {
				// A demo stops quickly: connections still busy after the grace period are closed.
				const grace = setTimeout(() => server.closeAllConnections(), stopGraceMs);
				await stopServing(server, collector);
				clearTimeout(grace);
			})();
			return stopping;
		},
	};
}
