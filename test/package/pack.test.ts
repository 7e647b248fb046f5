import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relativeMarkdownLinks } from './markdown-links.js';

/**
 * The package as a user gets it: the project's files as a fresh clone has them (no dist/), packed by `npm pack`
 * (whose prepack builds), installed from the tarball into an empty project, then used from there: types checked
 * with --strict and without skipLibCheck, every entry point imported, the command line run.
 *
 * Offline: the consumer's lock is made of this project's own (its entries for the packed dependencies, plus
 * @types/node for the consumer), so `npm ci --offline` takes every package from the npm cache that this project's
 * own `npm ci` filled. A dependency missing from package.json is then missing from the consumer too.
 */

const execFileAsync = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const typescriptCli = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const manifest = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as PackageManifest;

// Building, installing and type-checking on a busy two-core machine: minutes, not seconds, to be safe.
const setupTimeoutMs = 360_000;
const stepTimeoutMs = 120_000;

interface PackageManifest {
	name: string;
	version: string;
	license: string;
	engines: Record<string, string>;
	bin: Record<string, string>;
	dependencies: Record<string, string>;
	devDependencies: Record<string, string>;
}

interface LockEntry {
	version: string;
	resolved?: string;
	integrity?: string;
	dev?: boolean;
	devOptional?: boolean;
	[field: string]: unknown;
}

let workFolder: string;
let tarballPath: string;
let consumerFolder: string;
let installedFolder: string;

/** Runs a command (found on PATH), failing with the end of its output. */
async function run(command: string, args: string[], cwd: string): Promise<string> {
	try {
		const { stdout } = await execFileAsync(command, args, {
			cwd,
			timeout: stepTimeoutMs,
			maxBuffer: 32 * 1024 * 1024,
			env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
		});
		return stdout;
	} catch (error) {
		const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
		throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout.slice(-4_000)}\n${stderr.slice(-4_000)}`);
	}
}

/** The project's files as a clone has them: no build output, no installed packages; node_modules is linked. */
function copyAsFreshClone(target: string): void {
	const leftOut = new Set(['node_modules', 'dist', '.git', 'coverage', '.tmp']);
	cpSync(projectRoot, target, {
		recursive: true,
		filter: (source) => !leftOut.has(relative(projectRoot, source).split(/[\\/]/)[0] ?? ''),
	});
	symlinkSync(realpathSync(join(projectRoot, 'node_modules')), join(target, 'node_modules'), 'dir');
}

/** A consumer's package.json and lock: the tarball, its dependencies as this project locked them, @types/node. */
function writeConsumerProject(folder: string, tarballName: string): void {
	const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
	const tarball = readFileSync(join(folder, tarballName));
	const dependencies = { [manifest.name]: `file:${tarballName}` };
	const devDependencies = { '@types/node': manifest.devDependencies['@types/node'] ?? '*' };
	const packages: Record<string, unknown> = {
		'': { name: 'consumer', dependencies, devDependencies },
		[`node_modules/${manifest.name}`]: {
			version: manifest.version,
			resolved: `file:${tarballName}`,
			integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
			license: manifest.license,
			dependencies: manifest.dependencies,
			bin: manifest.bin,
			engines: manifest.engines,
		},
	};
	for (const [path, entry] of Object.entries(lock.packages)) {
		// Not dev-only: needed by the package's dependencies (devOptional: optionally, e.g. a native add-on's helper).
		if (path !== '' && entry.dev !== true) packages[path] = withResolved(path, entry);
	}
	for (const path of ['node_modules/@types/node', 'node_modules/undici-types']) {
		const entry = lock.packages[path];
		if (entry && !(path in packages)) packages[path] = { ...withResolved(path, entry), dev: true };
	}
	writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies, devDependencies }));
	writeFileSync(join(folder, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
}

/** Without `resolved`, npm would ask the registry where the tarball is; the cache holds it under this address. */
function withResolved(path: string, entry: LockEntry): LockEntry {
	if (entry.resolved !== undefined) return entry;
	const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
	return { ...entry, resolved: `https://registry.npmjs.org/${name}/-/${basename(name)}-${entry.version}.tgz` };
}

/** Files of the consumer: a Node backend (collector and client, no DOM types) and a browser bundle (the SDK). */
function writeConsumerSources(folder: string): void {
	const compilerOptions = {
		strict: true,
		noEmit: true,
		skipLibCheck: false,
		target: 'ES2022',
		module: 'NodeNext',
		moduleResolution: 'NodeNext',
		types: ['node'],
	};
	writeFileSync(join(folder, 'tsconfig.backend.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, lib: ['ES2022'] }, files: ['backend.ts'] }));
	writeFileSync(join(folder, 'tsconfig.browser.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, lib: ['ES2022', 'DOM'], types: [] }, files: ['browser.ts'] }));
	writeFileSync(
		join(folder, 'backend.ts'),
		`import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Collector, type CollectorConfigInput, createCollector, isConfigError, listen, signSessionCookie } from 'blueconic-bridge/server';
import { createDecisionClient, type Decision, type DecisionClient, isDecisionClientError } from 'blueconic-bridge/client';

const config: CollectorConfigInput = { session: { validate: { type: 'memory' } }, sites: [{ host: 'www.example.com' }] };
const collector: Collector = createCollector(config);
// The collector is a Koa app: its Koa types must come with the package.
const handle: (request: IncomingMessage, response: ServerResponse) => Promise<void> = collector.callback();
collector.use(async (_context, next) => next());
const client: DecisionClient = createDecisionClient({ baseUrl: 'https://collector.example.com', apiKey: 'an-api-key-of-16-chars' });
const decision: Promise<Decision> = client.isInSegment('session-id', 'premium-prospects');
// Types that were \`any\` would take these; they must be refused.
// @ts-expect-error baseUrl is a string
createDecisionClient({ baseUrl: 8080, apiKey: 'an-api-key-of-16-chars' });
// @ts-expect-error a decision is 'yes' | 'no' | 'unknown'
const notADecision: Decision = 'maybe';
export { decision, handle, isConfigError, isDecisionClientError, listen, notADecision, signSessionCookie };
`,
	);
	writeFileSync(
		join(folder, 'browser.ts'),
		`import { type SegmentSync, type SegmentSyncOptions, startSegmentSync } from 'blueconic-bridge';

const options: SegmentSyncOptions = { consent: 'required', onError: (error: Error) => console.warn(error.message) };
const segmentSync: SegmentSync = startSegmentSync(options);
const delivered: readonly string[] | undefined = segmentSync.lastDelivered();
// @ts-expect-error consent is 'required' or 'not-required'
startSegmentSync({ consent: 'sometimes' });
export { delivered };
`,
	);
	writeFileSync(
		join(folder, 'imports.mjs'),
		`import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const server = await import('blueconic-bridge/server');
const client = await import('blueconic-bridge/client');
const sdk = await import('blueconic-bridge');
const manifest = (await import('blueconic-bridge/package.json', { with: { type: 'json' } })).default;
const scripts = ['blueconic-bridge/sdk.min.js', 'blueconic-bridge/snippet.min.js'].map((specifier) => fileURLToPath(import.meta.resolve(specifier)));
console.log(JSON.stringify({
	server: typeof server.createCollector,
	client: typeof client.createDecisionClient,
	sdk: typeof sdk.startSegmentSync,
	version: manifest.version,
	scripts: scripts.map((path) => existsSync(path)),
}));
`,
	);
}

beforeAll(async () => {
	workFolder = mkdtempSync(join(tmpdir(), 'bridge-pack-'));
	const cloneFolder = join(workFolder, 'clone');
	copyAsFreshClone(cloneFolder);
	expect(existsSync(join(cloneFolder, 'dist')), 'the copy starts without a build').toBe(false);

	// No --ignore-scripts: prepack must build, or the tarball has no dist/.
	const packFolder = join(workFolder, 'packed');
	mkdirSync(packFolder);
	await run('npm', ['pack', '--pack-destination', packFolder, '--silent'], cloneFolder);
	const tarballs = readdirSync(packFolder).filter((name) => name.endsWith('.tgz'));
	expect(tarballs).toEqual([`${manifest.name}-${manifest.version}.tgz`]);

	consumerFolder = join(workFolder, 'consumer');
	mkdirSync(consumerFolder);
	tarballPath = join(consumerFolder, tarballs[0] as string);
	cpSync(join(packFolder, tarballs[0] as string), tarballPath);
	writeConsumerProject(consumerFolder, tarballs[0] as string);
	writeConsumerSources(consumerFolder);
	await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], consumerFolder);
	installedFolder = join(consumerFolder, 'node_modules', manifest.name);
}, setupTimeoutMs);

afterAll(() => {
	if (workFolder) rmSync(workFolder, { recursive: true, force: true });
});

describe('the packed package', () => {
	it('holds the build, the docs, the licence and the manifest, and nothing of the sources or tests', () => {
		// What npm unpacked from the tarball (its dependencies are beside it, in the consumer's node_modules).
		const listing = readdirSync(installedFolder, { recursive: true, encoding: 'utf8' });
		const files = new Set(listing.filter((path) => statSync(join(installedFolder, path)).isFile()).map((path) => path.split(sep).join('/')));
		for (const file of [
			'package.json',
			'README.md',
			'LICENSE',
			'dist/sdk/index.js',
			'dist/sdk/index.d.ts',
			'dist/sdk/blueconic-bridge.min.js',
			'dist/sdk/snippet.min.js',
			'dist/server/index.js',
			'dist/server/index.d.ts',
			'dist/server/cli.js',
			'dist/client/index.js',
			'dist/client/index.d.ts',
			'dist/admin/index.html',
			'dist/admin/assets/console.js',
			'dist/admin/assets/console.css',
		]) {
			expect(files, file).toContain(file);
		}
		const docs = readdirSync(join(projectRoot, 'docs')).filter((name) => name.endsWith('.md'));
		for (const doc of docs) expect(files, `docs/${doc}`).toContain(`docs/${doc}`);
		const outside = [...files].filter((file) => !/^(dist\/(sdk|server|client|admin)\/|docs\/|package\.json$|README\.md$|LICENSE$)/.test(file));
		expect(outside).toEqual([]);
		// For the report: how big a download the package is.
		console.info(`${basename(tarballPath)}: ${statSync(tarballPath).size} bytes, ${files.size} files`);
	});

	it('carries the metadata a registry page and a user need', () => {
		const installed = JSON.parse(readFileSync(join(installedFolder, 'package.json'), 'utf8')) as Record<string, unknown>;
		expect(installed).toMatchObject({
			license: 'MIT',
			repository: { type: 'git', url: 'git+https://github.com/blueconic-bridge/blueconic-bridge.git' },
			homepage: 'https://github.com/blueconic-bridge/blueconic-bridge#readme',
			bugs: { url: 'https://github.com/blueconic-bridge/blueconic-bridge/issues' },
			type: 'module',
		});
		expect(readFileSync(join(installedFolder, 'LICENSE'), 'utf8')).toContain('Copyright (c) 2026 blueconic-bridge contributors');
	});

	it('resolves every relative link of its README and docs inside the installed package', () => {
		const markdownFiles = [
			'README.md',
			...readdirSync(join(installedFolder, 'docs'))
				.filter((name) => name.endsWith('.md'))
				.map((name) => `docs/${name}`),
		];
		for (const file of markdownFiles) {
			for (const link of relativeMarkdownLinks(readFileSync(join(installedFolder, file), 'utf8'))) {
				expect(existsSync(join(installedFolder, dirname(file), link)), `${file} links ${link}`).toBe(true);
			}
		}
	});

	it('type-checks in a Node backend that uses the collector and the client (--strict, no skipLibCheck, no DOM)', async () => {
		await run(process.execPath, [typescriptCli, '-p', 'tsconfig.backend.json'], consumerFolder);
	}, stepTimeoutMs);

	it('type-checks in a browser bundle that uses the SDK (--strict, no skipLibCheck, no Node types)', async () => {
		await run(process.execPath, [typescriptCli, '-p', 'tsconfig.browser.json'], consumerFolder);
	}, stepTimeoutMs);

	it('imports every entry point at run time, with the script files it exports', async () => {
		const output = await run(process.execPath, ['imports.mjs'], consumerFolder);
		expect(JSON.parse(output)).toEqual({
			server: 'function',
			client: 'function',
			sdk: 'function',
			version: manifest.version,
			scripts: [true, true],
		});
	}, stepTimeoutMs);

	it('installs the command line, which runs from the install', async () => {
		const bin = join(consumerFolder, 'node_modules', '.bin', 'blueconic-bridge');
		expect(await run(bin, ['--version'], consumerFolder)).toBe(`${manifest.version}\n`);
		expect(await run(bin, ['serve', '--help'], consumerFolder)).toContain('usage: blueconic-bridge serve');
	}, stepTimeoutMs);
});
