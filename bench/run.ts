import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Collector, createCollector, createLogger, listen, type RunningCollector, signSessionCookie } from '../server/index.js';
import type { CollectorConfigInput } from '../server/config/schema.js';
import { paths } from '../server/http/paths.js';
import { type AccountServer, startAccountServer } from './account-server.js';
import { type BareServer, startBareServer } from './bare-server.js';
import { type Comparison, compare, formatTable, type Target } from './endpoints.js';
import { pickSegmentIds, segmentIdPool } from './fixtures.js';
import { LoadGenerator } from './load.js';
import type { LoadRequest } from './load-job.js';
import { measureLargestReportsInChild, measureStoreMemoryInChild } from './memory.js';
import { benchProxy } from './proxy.js';
import { runQueueBench } from './queue.js';
import { measureRedisStoreMemory } from './redis-memory.js';
import { type RedisServer, startRedisServer } from '../test/redis/redis-server.js';

/**
 * `npm run bench`: the collector's two browser endpoints against a bare node:http server doing the same work, for
 * each session type (`http` with its answers cached, `signed`, `memory`), and the same collector with its store and
 * rate limit in Redis (a redis-server the bench starts), in one process on loopback (servers on the main thread,
 * the load generator in a worker thread); then the proxy, the memory each store holds per session, and profile
 * sync through the queue. See docs/bench.md.
 */
const sessionTypes = ['http', 'signed', 'memory'] as const;
type SessionType = (typeof sessionTypes)[number];
const parts = ['endpoints', 'redis', 'proxy', 'memory', 'queue'] as const;

const settings = {
	connections: readNumber('BENCH_CONNECTIONS', 32),
	durationMs: readNumber('BENCH_DURATION_MS', 2_000),
	warmUpMs: readNumber('BENCH_WARMUP_MS', 1_000),
	rounds: readNumber('BENCH_ROUNDS', 9),
	sessions: readNumber('BENCH_SESSIONS', 10_000),
	memorySessions: readNumber('BENCH_MEMORY_SESSIONS', 1_000_000),
	redisMemorySessions: readNumber('BENCH_REDIS_MEMORY_SESSIONS', 100_000),
	segmentsPerSession: 5,
	sessionTypes: readList('BENCH_SESSION_TYPES', sessionTypes),
	parts: readList('BENCH_PARTS', parts),
};

const signedSecret = 'bench-signing-secret-0123456789';
const siteConfig = {
	sites: [{ host: '127.0.0.1' }],
	// Every report is checked against the limit, but the bench's sessions post far more than a browser does.
	segments: { postsPerMinute: 1_000_000_000 },
} satisfies Partial<CollectorConfigInput>;

/** The collectors of one session type, and the cookies of its sessions. */
interface SessionGroup {
	type: SessionType;
	cookies: string[];
	targets: Target[];
	close(): Promise<void>;
}

async function main(): Promise<void> {
	const startedAt = performance.now();
	const needsRedis = settings.parts.includes('redis') || settings.parts.includes('queue');
	const redisServer = needsRedis ? await startRedisServer() : undefined;
	try {
		console.log(
			`blueconic-bridge bench: ${settings.connections} connections, ${settings.rounds} alternating rounds of ` +
				`${settings.durationMs / 1000} s per server (after a ${settings.warmUpMs / 1000} s warm-up), ` +
				`${settings.sessions} sessions of each type (${settings.sessionTypes.join(', ')}); parts: ${settings.parts.join(', ')}; ` +
				`Node ${process.version}\n`,
		);
		if (settings.parts.includes('endpoints') || settings.parts.includes('proxy')) await measureEndpoints(redisServer);
		if (settings.parts.includes('memory')) await measureMemory();
		if (redisServer !== undefined && settings.parts.includes('redis')) await measureRedisMemory(redisServer);
		if (settings.parts.includes('queue')) {
			await runQueueBench({ users: readNumber('BENCH_QUEUE_USERS', 20_000), durationMs: settings.durationMs, connections: settings.connections });
		}
	} finally {
		await redisServer?.stop();
	}
	console.log(`\nbench done in ${Math.round((performance.now() - startedAt) / 1000)} s`);
}

async function measureEndpoints(redisServer: RedisServer | undefined): Promise<void> {
	const load = new LoadGenerator();
	const bare = await startBareServer({ signedSecret });
	try {
		if (settings.parts.includes('endpoints')) {
			const comparisons: Comparison[] = [];
			for (const type of settings.sessionTypes) {
				const group = await openSessionGroup(type, bare, settings.parts.includes('redis') ? redisServer : undefined);
				try {
					comparisons.push(...(await compareGroup(load, group, redisServer?.pid ?? 0)));
				} finally {
					await group.close();
				}
			}
			console.log(
				`\nThe collector against the bare server (medians of ${settings.rounds} rounds; ratio = collector ÷ bare req/s, ` +
					`spread = the rounds' own ratios; CPU ratio = bare ÷ collector CPU per request):\n${formatTable(comparisons, 'bare', 'collector')}\n`,
			);
			if (comparisons.some(({ results }) => results.redis !== undefined)) {
				console.log(
					`The collector with its store in Redis against the in-process store (memory sessions):\n${formatTable(comparisons, 'collector', 'redis')}\n`,
				);
			}
		}
		if (settings.parts.includes('proxy')) console.log(`\n${await benchProxy(load, settings)}\n`);
	} finally {
		await load.close();
		await bare.close();
	}
}

/** POST runs first: every server then answers decisions from what they stored (they cycle through every session). */
async function compareGroup(load: LoadGenerator, group: SessionGroup, redisPid: number): Promise<Comparison[]> {
	const pool = segmentIdPool();
	const segmentsBySession = group.cookies.map(() => pickSegmentIds(pool, settings.segmentsPerSession));
	// Each session reports the same ids every time, as a page view, a refresh or a new tab does.
	const postRequests: LoadRequest[] = group.cookies.map((cookie, index) => ({
		method: 'POST',
		path: paths.segments,
		headers: { Cookie: `blaize_session=${cookie}`, 'Content-Type': 'application/json' },
		body: JSON.stringify(segmentsBySession[index]),
	}));
	// Half the questions name a segment the session is in, half one drawn from the pool.
	const decisionRequests: LoadRequest[] = group.cookies.map((cookie, index) => {
		const segmentId = index % 2 === 0 ? (segmentsBySession[index]?.[0] as string) : (pool[index % pool.length] as string);
		return {
			method: 'GET',
			path: `${paths.decision}?segment=${encodeURIComponent(segmentId)}`,
			headers: { Cookie: `blaize_session=${cookie}` },
		};
	});
	const sessionType = group.type === 'http' ? 'http cached' : group.type;
	return [
		await compare(load, settings, group.targets, redisPid, {
			endpoint: 'POST segments',
			sessionType,
			requests: postRequests,
			expectedStatus: 204,
		}),
		await compare(load, settings, group.targets, redisPid, {
			endpoint: 'GET decision',
			sessionType,
			requests: decisionRequests,
			expectedStatus: 200,
		}),
	];
}

/**
 * The collector for one session type beside the bare server, and its sessions. The bare server accepts the same
 * cookies: memory and `http` ones listed up front (the collector holds or has cached them), signed ones once
 * verified.
 */
async function openSessionGroup(type: SessionType, bare: BareServer, redisServer: RedisServer | undefined): Promise<SessionGroup> {
	const logger = createLogger('silent');
	const running: RunningCollector[] = [];
	const start = async (collector: Collector): Promise<Target['port']> => {
		const listening = await listen(collector, { port: 0, host: '127.0.0.1' });
		running.push(listening);
		return (listening.server.address() as AddressInfo).port;
	};
	let account: AccountServer | undefined;
	let cookies: string[];
	const targets: Target[] = [{ name: 'bare', port: bare.port }];
	if (type === 'memory') {
		const collector = createCollector({ session: { validate: { type: 'memory' } }, ...siteConfig }, { logger });
		cookies = Array.from({ length: settings.sessions }, () => collector.memorySessions?.create() as string);
		targets.push({ name: 'collector', port: await start(collector) });
		if (redisServer !== undefined) {
			// The same collector with segments, waits and the limit in Redis; it accepts the first one's sessions.
			const redisCollector = createCollector(
				{ session: { validate: { type: 'memory' } }, ...siteConfig, store: { type: 'redis', url: redisServer.url } },
				{ logger, sessions: collector.memorySessions },
			);
			targets.push({ name: 'redis', port: await start(redisCollector) });
		}
	} else if (type === 'signed') {
		const expiresAt = new Date(Date.now() + 86_400_000);
		cookies = Array.from({ length: settings.sessions }, () => signSessionCookie(randomUUID(), signedSecret, expiresAt));
		const collector = createCollector({ session: { validate: { type: 'signed', secret: signedSecret } }, ...siteConfig }, { logger });
		targets.push({ name: 'collector', port: await start(collector) });
	} else {
		account = await startAccountServer();
		cookies = Array.from({ length: settings.sessions }, () => randomUUID());
		const validate = {
			type: 'http',
			url: account.url,
			// Cached for longer than the bench runs: its rounds measure cached sessions, the common case.
			cacheSeconds: 3_600,
			// The warm-up's first sight of every session comes from one address, the load generator's.
			maxConcurrentChecksPerClient: 100,
		} as const;
		const collector = createCollector({ session: { validate }, ...siteConfig }, { logger });
		targets.push({ name: 'collector', port: await start(collector) });
	}
	if (type !== 'signed') for (const cookie of cookies) bare.sessions.add(cookie);
	return {
		type,
		cookies,
		targets,
		close: async () => {
			if (account !== undefined) console.log(`  (the account server answered ${account.checks()} session checks in all: one a session, then the cache)`);
			for (const listening of running) await listening.stop();
			await account?.close();
		},
	};
}

async function measureMemory(): Promise<void> {
	console.log(
		`Memory: filling the segment store with ${settings.memorySessions.toLocaleString('en')} sessions of ${settings.segmentsPerSession} segments (child process)…`,
	);
	const memory = await measureStoreMemoryInChild(settings.memorySessions, settings.segmentsPerSession);
	console.log(
		`  ${memory.bytesPerSession.toFixed(1)} bytes per session held (heap and typed arrays, after gc): ` +
			`${formatMiB(memory.filledStoreBytes)} for ${memory.sessions.toLocaleString('en')} sessions, ` +
			`of which ${formatMiB(memory.emptyStoreBytes)} is the empty store's preallocated capacity ` +
			`(counted against maxBytes: ${memory.countedBytesPerSession.toFixed(1)} bytes per session)`,
	);
	const largest = await measureLargestReportsInChild(8 * 1024 * 1024, 1_000);
	console.log(
		`  worst case, reports of 200 unshared ids of 200 characters past Latin-1 into an 8 MiB store: ` +
			`${Math.round(largest.bytesPerSession)} bytes per session held (counted ${Math.round(largest.countedBytesPerSession)}), ` +
			`${largest.sessionsHeld} of ${largest.sessionsWritten} sessions kept in ${formatMiB(largest.heldBytes)}`,
	);
}

async function measureRedisMemory(redisServer: RedisServer): Promise<void> {
	console.log(`Redis memory: ${settings.redisMemorySessions.toLocaleString('en')} sessions of ${settings.segmentsPerSession} segments…`);
	const redisMemory = await measureRedisStoreMemory(redisServer.url, settings.redisMemorySessions, settings.segmentsPerSession);
	console.log(
		`  ${Math.round(redisMemory.bytesPerSession)} bytes per session (INFO memory used_memory ` +
			`${formatMiB(redisMemory.usedMemoryBefore)} → ${formatMiB(redisMemory.usedMemoryAfter)})`,
	);
}

function formatMiB(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function readNumber(name: string, fallback: number): number {
	const text = process.env[name];
	if (text === undefined || text === '') return fallback;
	const value = Number(text);
	if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, not "${text}"`);
	return value;
}

/** A comma-separated subset of `allowed`, in the order of `allowed`; all of them when unset. */
function readList<T extends string>(name: string, allowed: readonly T[]): T[] {
	const text = process.env[name];
	if (text === undefined || text === '') return [...allowed];
	const given = text.split(',').map((item) => item.trim());
	const unknown = given.filter((item) => !(allowed as readonly string[]).includes(item));
	if (unknown.length > 0) throw new Error(`${name} takes a comma-separated list of ${allowed.join(', ')}, not "${unknown.join(', ')}"`);
	return allowed.filter((item) => given.includes(item));
}

await main();
