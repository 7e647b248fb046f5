import { existsSync } from 'node:fs';
import { defaultSdkScriptPath } from '../server/routes/sdk.js';
import { startDemo } from './server.js';

/** `npm start`: runs the demo until Ctrl-C. */
async function main(): Promise<number> {
	const portText = process.env.PORT ?? '3000';
	const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
	if (!(port <= 65_535)) {
		console.error(`PORT must be a number from 0 to 65535, not "${portText}"`);
		return 2;
	}
	const host = process.env.HOST ?? '127.0.0.1';
	if (!existsSync(defaultSdkScriptPath())) {
		console.warn('warning: dist/sdk/blueconic-bridge.min.js is missing (run `npm run build`); the page will run without the SDK');
	}

	let demo;
	try {
		demo = await startDemo({ port, host, logLevel: process.env.LOG_LEVEL ?? 'warn' });
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
			console.error(`Port ${port} on ${host} is already in use. Stop what uses it, or pick another port: PORT=${port + 1} npm start`);
			return 1;
		}
		throw error;
	}
	console.log(
		[
			'',
			`  blueconic-bridge demo running. Open ${demo.url}`,
			'',
			`  Admin console: ${demo.adminUrl}`,
			`  Admin key:     ${demo.adminKey}   (new on every start)`,
			'  Change the featured segments there and save: the demo page decides with them at once, no restart.',
			`  (saves are written to ${demo.configFile})`,
			'',
			'  (Ctrl-C to stop)',
			'',
		].join('\n'),
	);

	await new Promise<void>((resolve) => {
		process.once('SIGINT', resolve);
		process.once('SIGTERM', resolve);
	});
	console.log('stopping…');
	await demo.stop();
	console.log('stopped');
	return 0;
}

process.exitCode = await main();
