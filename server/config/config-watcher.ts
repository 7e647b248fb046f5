import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../logger.js';

export interface ConfigWatcher {
	close(): void;
}

/** A burst of events (an editor's save: write, rename, chmod; a ConfigMap's symlink swap) becomes one reload. */
const defaultDebounceMs = 150;

/**
 * Calls `onChange` after the configuration file at `path` may have changed. The folder is watched, not the file:
 * editors and Kubernetes ConfigMaps replace a file by renaming another over it (a ConfigMap swaps a `..data`
 * symlink), which a watch on the file itself stops seeing. Events for this module's own temporary files and the
 * `.bak` are ignored; any other event is a reason to read the file again, which costs a read when nothing changed
 * (the caller compares the content).
 */
export function watchConfigFile(
	path: string,
	onChange: () => void,
	{ logger, debounceMs = defaultDebounceMs }: { logger: Logger; debounceMs?: number },
): ConfigWatcher {
	const name = basename(path);
	const ownFiles = { backup: `${name}.bak`, temporaryStart: `.${name}.` };
	let timer: NodeJS.Timeout | undefined;
	let watcher: FSWatcher | undefined;
	try {
		watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
			const changed = filename?.toString();
			if (changed === ownFiles.backup || (changed?.startsWith(ownFiles.temporaryStart) === true && changed.endsWith('.tmp'))) return;
			clearTimeout(timer);
			timer = setTimeout(onChange, debounceMs);
		});
		watcher.on('error', (error) => {
			logger.warn({ err: error }, 'the configuration folder can no longer be watched; SIGHUP still reloads the file');
		});
	} catch (error) {
		logger.warn({ err: error }, 'the configuration folder cannot be watched; SIGHUP reloads the file');
	}
	return {
		close() {
			clearTimeout(timer);
			watcher?.close();
		},
	};
}
