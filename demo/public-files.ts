import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/** Reads demo/public once at start: from the sources (tests, tsx) or from dist/demo (npm start). */
export function readPublicFiles(): ReadonlyMap<string, PublicFile> {
	const folder = [new URL('./public/', import.meta.url), new URL('../../demo/public/', import.meta.url)]
		.map((url) => fileURLToPath(url))
		.find((path) => existsSync(path));
	if (folder === undefined) throw new Error('cannot find the demo/public folder');
	return new Map(
		Object.entries(contentTypes).map(([name, contentType]) => [name, { contentType, content: readFileSync(`${folder}${name}`) }]),
	);
}
