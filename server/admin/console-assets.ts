import { readFile, realpath } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { HttpError } from '../errors/http-error.js';
import { packageRoot } from '../utils/package-root.js';

/** Where `npm run build` puts the console's UI (`index.html`, `assets/`). */
export function defaultAdminAssetsPath(): string {
	return join(packageRoot(), 'dist', 'admin');
}

const contentTypes: Readonly<Record<string, string>> = {
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.map': 'application/json; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.gif': 'image/gif',
	'.webp': 'image/webp',
	'.ico': 'image/x-icon',
	'.woff2': 'font/woff2',
	'.woff': 'font/woff',
	'.txt': 'text/plain; charset=utf-8',
};

// One plain file name: no separator, no leading dot (so neither `..` nor hidden files), nothing a shell or a
// file system reads specially. Checked before the file system is asked anything.
const assetName = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export interface ConsoleFile {
	readonly bytes: Buffer;
	readonly contentType: string;
}

/** The built files of the console, read from disk per request (a rebuild is served without a restart). */
export class ConsoleAssets {
	constructor(readonly folder: string) {}

	async indexPage(): Promise<ConsoleFile> {
		try {
			return { bytes: await readFile(join(this.folder, 'index.html')), contentType: 'text/html; charset=utf-8' };
		} catch {
			throw new HttpError(503, 'console_not_built', 'the admin console has not been built: run `npm run build` (it writes dist/admin/)');
		}
	}

	/** `assets/<name>`, only a file that exists in the build's assets folder; 404 otherwise. */
	async asset(name: string): Promise<ConsoleFile> {
		const notFound = new HttpError(404, 'not_found', 'no such console asset');
		if (!assetName.test(name)) throw notFound;
		const assetsFolder = join(this.folder, 'assets');
		try {
			// A symbolic link out of the build folder is refused too: the real path must stay inside it.
			const [folder, file] = await Promise.all([realpath(assetsFolder), realpath(join(assetsFolder, name))]);
			if (!file.startsWith(folder + sep)) throw notFound;
			return { bytes: await readFile(file), contentType: contentTypes[extname(name).toLowerCase()] ?? 'application/octet-stream' };
		} catch {
			throw notFound;
		}
	}
}
