#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runServeCommand, serveUsage } from './commands/serve.js';
import { runSyncCommand, syncUsage } from './commands/sync.js';
import { queueUsage, runQueueCommand } from './commands/queue.js';
import { runWorkerCommand, workerUsage } from './commands/worker.js';
import { packageRoot } from './utils/package-root.js';

const usage = `usage:
  ${serveUsage}
  ${syncUsage}
  ${workerUsage}
  ${queueUsage}
  blueconic-bridge <command> --help   (more on one command)
  blueconic-bridge --version
`;

const [command, ...rest] = process.argv.slice(2);
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

let exitCode: number;
switch (command) {
	case 'serve':
		exitCode = await runServeCommand(rest, io);
		// Exits for real: after a second signal or a shutdown that did not complete, something (a connection, a store
		// that would not close) still holds the event loop. The log lines are written first (stdout may be a pipe).
		await new Promise((resolve) => process.stdout.write('', resolve));
		process.exit(exitCode);
	case 'sync':
		exitCode = await runSyncCommand(rest, io);
		break;
	case 'worker':
		exitCode = await runWorkerCommand(rest, io);
		break;
	case 'queue':
		exitCode = await runQueueCommand(rest, io);
		break;
	case 'help':
	case '--help':
	case '-h':
		process.stdout.write(usage);
		exitCode = 0;
		break;
	case '--version':
		process.stdout.write(`${packageVersion()}\n`);
		exitCode = 0;
		break;
	case undefined:
		process.stderr.write(`a command is needed\n${usage}`);
		exitCode = 2;
		break;
	default:
		process.stderr.write(`unknown command "${command}"\n${usage}`);
		exitCode = 2;
}
process.exitCode = exitCode;

function packageVersion(): string {
	return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
