import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../server/utils/package-root.js';

/** The browser files the demo site serves under `/demo/`, by name, with their content types. */
const contentTypes: Readonly<Record<string, string>> = {
	'demo.css': 'text/css; charset=utf-8',
	'demo.js': 'text/javascript; charset=utf-8',
	'blueconic-simulator.js': 'text/javascript; charset=utf-8',
	'favicon.svg': 'image/svg+xml',
};

export interface PublicFile {
	contentType: string;
	content: Buffer;
}

/** Reads demo/public once at start (the build does not copy it: dist/demo reads it from the sources too). */
export function readPublicFiles(): ReadonlyMap<string, PublicFile> {
	const folder = join(packageRoot(), 'demo', 'public');
	return new Map(
		Object.entries(contentTypes).map(([name, contentType]) => [name, { contentType, content: readFileSync(join(folder, name)) }]),
	);
}
