#!/usr/bin/env node
import { runServeCommand, serveUsage } from './commands/serve.js';
import { runSyncCommand, syncUsage } from './commands/sync.js';
import { queueUsage, runQueueCommand } from './commands/queue.js';
import { runWorkerCommand, workerUsage } from './commands/worker.js';

const usage = `usage:
  ${serveUsage}
  ${syncUsage}
  ${workerUsage}
  ${queueUsage}
`;

const [command, ...rest] = process.argv.slice(2);
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

let exitCode: number;
switch (command) {
	case 'serve':
		exitCode = await runServeCommand(rest, io);
		break;
	case 'sync':
		exitCode = await runSyncCommand(rest, io);
		break;
	case 'worker':
		exitCode = await runWorkerCommand(rest, io);
		break;
	case 'queue':
		exitCode = await runQueueCommand(rest, io);
		break;
	case undefined:
	case '--help':
	case '-h':
		process.stdout.write(usage);
		exitCode = command === undefined ? 2 : 0;
		break;
	default:
		process.stderr.write(`unknown command "${command}"\n${usage}`);
		exitCode = 2;
}
process.exitCode = exitCode;
