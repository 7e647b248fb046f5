import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CollectorOptions } from '../../server/app.js';
import type { CollectorConfigInput } from '../../server/config/schema.js';
import { createLogger, type Logger } from '../../server/logger.js';
import { type StartedCollector, startCollector } from '../server/collector-fixture.js';

/** A temporary folder for configuration files, removed by `remove()`. */
export async function tempFolder(): Promise<{ path: string; file: (name: string) => string; remove: () => Promise<void> }> {
	const path = await mkdtemp(join(tmpdir(), 'bcb-live-'));
	return { path, file: (name) => join(path, name), remove: () => rm(path, { recursive: true, force: true }) };
}

export function configText(config: unknown): string {
	return `${JSON.stringify(config, null, 2)}\n`;
}

export async function writeConfig(path: string, config: unknown): Promise<void> {
	await writeFile(path, configText(config));
}

export async function readConfig(path: string): Promise<unknown> {
	return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

/** A logger whose JSON lines are kept, to assert what a change logged. */
export function capturedLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
	const text: string[] = [];
	const destination = new Writable({
		write(chunk: Buffer, _encoding, done) {
			text.push(chunk.toString('utf8'));
			done();
		},
	});
	const logger = createLogger('debug', destination);
	return {
		logger,
		lines: () =>
			text
				.join('')
				.split('\n')
				.filter((line) => line !== '')
				.map((line) => JSON.parse(line) as Record<string, unknown>),
	};
}

/** A collector started from the configuration file `path` (written first from `config`), as `serve` starts it. */
export async function startFromFile(
	path: string,
	config: CollectorConfigInput,
	options: CollectorOptions = {},
): Promise<StartedCollector> {
	await writeConfig(path, config);
	return startCollector((await readConfig(path)) as CollectorConfigInput, { configFile: path, ...options });
}
