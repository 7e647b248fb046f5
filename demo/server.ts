import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecisionClient, type DecisionClient } from '../client/index.js';
import { type Collector, createCollector, createLogger } from '../server/index.js';
import { startListening, stopServing } from '../server/listen.js';
import { startFakeBlueConic } from '../test/fakes/blueconic-rest.js';
import { blueconicSegments, demoCollectorConfig } from './config.js';
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
	/** The admin console, signed in to with `adminKey`. */
	adminUrl: string;
	/** Generated per run; printed at start. */
	adminKey: string;
	/** Where the collector's configuration lives while the demo runs: console saves are written there. */
	configFile: string;
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
	// A stand-in BlueConic in this process, so the console can test the connection and list segments to pick.
	const blueconicCredentials = { clientId: 'demo-client', clientSecret: randomBytes(18).toString('base64url') };
	const blueconic = await startFakeBlueConic({
		...blueconicCredentials,
		segments: blueconicSegments,
		profileProperties: [
			{ id: 'email', name: 'Email', filterType: 'EMAIL' },
			{ id: 'zephr_tracking_id', name: 'Zephr tracking ID', filterType: 'SELECT' },
			{ id: 'firstname', name: 'First name', filterType: 'SELECT' },
		],
	});
	const { config, apiKey, adminKey } = demoCollectorConfig(['localhost', '127.0.0.1', host], {
		baseUrl: blueconic.url,
		...blueconicCredentials,
	});
	// The configuration as a file of its own, so a save in the console is written (and watched) like a real one.
	const configDirectory = mkdtempSync(join(tmpdir(), 'blueconic-bridge-demo-'));
	const configFile = join(configDirectory, 'collector.json');
	writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
	const collector = createCollector(config, { logger: createLogger(logLevel), configFile });
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

	let loopbackUrl: string;
	try {
		loopbackUrl = await startListening(server, port, host);
	} catch (error) {
		// Port taken: what started must not keep the process alive.
		await collector.close();
		await blueconic.close();
		rmSync(configDirectory, { recursive: true, force: true });
		throw error;
	}
	// The collector runs in this process: a slow answer means a busy machine, not a lost one, so wait for it.
	decisionClient = createDecisionClient({ baseUrl: loopbackUrl, apiKey, timeoutMs: 10_000 });
	const shownHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${new URL(loopbackUrl).port}`;

	let stopping: Promise<void> | undefined;
	return {
		url,
		adminUrl: `${url}/plugins/blueconic/admin/`,
		adminKey,
		configFile,
		collector,
		stop() {
			stopping ??= (async () => {
				// A demo stops quickly: connections still busy after the grace period are closed.
				const grace = setTimeout(() => server.closeAllConnections(), stopGraceMs);
				await stopServing(server, collector);
				clearTimeout(grace);
				await blueconic.close();
				rmSync(configDirectory, { recursive: true, force: true });
			})();
			return stopping;
		},
	};
}

