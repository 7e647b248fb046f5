import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of this package's package.json, found by walking up from this module, so that built files
 * (`dist/sdk/...`) are found alike from the sources (tests), from `dist/` and from an installed package.
 */
export function packageRoot(): string {
	let folder = dirname(fileURLToPath(import.meta.url));
	for (;;) {
		const manifest = join(folder, 'package.json');
		if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'blueconic-bridge') {
			return folder;
		}
		const parent = dirname(folder);
		if (parent === folder) throw new Error('cannot find the blueconic-bridge package root');
		folder = parent;
	}
}
