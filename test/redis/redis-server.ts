import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real `redis-server` process on a free loopback port, started by a test (never skipped: `.ci/run` installs
 * Debian's `redis-server`). No persistence by default, so each server starts empty; `kill()` and `start()` again
 * on the same port model an outage and a recovery.
 */
export interface RedisServer {
	/** `redis://127.0.0.1:PORT`. */
	url: string;
	port: number;
	/** The running process's id (the bench reads its CPU time), undefined while it is not running. */
	readonly pid: number | undefined;
	/** Starts the process again on the same port (after `kill` or `stop`); resolves once it accepts commands. */
	start(): Promise<void>;
	/** Kills the process at once (SIGKILL): clients see the connection drop. */
	kill(): Promise<void>;
	/** Stops the process and removes its folder; call in `afterAll`. */
	stop(): Promise<void>;
}

export interface RedisServerOptions {
	/** Extra `redis-server` arguments, e.g. `['--maxmemory-policy', 'noeviction']`. */
	args?: string[];
	/** Keep data across `kill()` / `start()` (an append-only file in the server's own folder). */
	persist?: boolean;
}

const redisServerBinary = process.env.REDIS_SERVER_PATH ?? 'redis-server';

export async function startRedisServer({ args = [], persist = false }: RedisServerOptions = {}): Promise<RedisServer> {
	const dir = await mkdtemp(join(tmpdir(), 'bcb-redis-'));
	const port = await freePort();
	let child: ChildProcess | undefined;

	const start = async (): Promise<void> => {
		if (child !== undefined) throw new Error('redis-server is already running');
		const persistence = persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
		child = spawn(
			redisServerBinary,
			['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence, '--loglevel', 'warning', ...args],
			{ stdio: ['ignore', 'pipe', 'pipe'] },
		);
		const started = child;
		started.once('exit', () => {
			if (child === started) child = undefined;
		});
		await waitUntilReady(started, port);
	};

	const kill = async (): Promise<void> => {
		const running = child;
		if (running === undefined) return;
		const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
		running.kill('SIGKILL');
		await exited;
	};

	await start();
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		get pid() {
			return child?.pid;
		},
		start,
		kill,
		async stop() {
			await kill();
			await rm(dir, { recursive: true, force: true });
		},
	};
}

/** Resolves once the server answers PING on its port; rejects with its output if it exits first. */
async function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<never>((_, reject) =>
		child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${output.trim()}`))),
	);
	exited.catch(() => {});
	const deadline = Date.now() + 20_000;
	while (Date.now() < deadline) {
		if (await Promise.race([ping(port), exited])) return;
		await Promise.race([new Promise((resolve) => setTimeout(resolve, 25)), exited]);
	}
	child.kill('SIGKILL');
	throw new Error(`redis-server on port ${port} did not answer PING within 20 s: ${output.trim()}`);
}

/** One inline PING over a raw socket: true when the server answers PONG (not while it is still loading). */
async function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		let answer = '';
		socket.setTimeout(1_000, () => socket.destroy());
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) socket.end();
		});
		socket.on('close', () => resolve(answer.startsWith('+PONG')));
		socket.on('error', () => {});
	});
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address !== null ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}
