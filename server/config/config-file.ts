import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { copyFile, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigFileReadOnlyError } from '../errors/config-file-read-only-error.js';

/**
 * The configuration file a collector was started with: read for reloads, written by console saves. A write is
 * atomic (a temporary file in the same folder, flushed to disk, renamed over the file), so a reader (this process
 * on a watch event, another one, an editor) sees the old file or the new one, never half of one. The previous
 * version is kept beside it as `<name>.bak`.
 */
export class ConfigFile {
	readonly path: string;
	readonly #folder: string;
	#writable: boolean;

	constructor(path: string) {
		this.path = path;
		this.#folder = dirname(path);
		this.#writable = this.probeWritable();
	}

	/** Whether the last write, or the probe at start, found the file writable (false for a mounted, read-only one). */
	get writable(): boolean {
		return this.#writable;
	}

	read(): Promise<string> {
		return readFile(this.path, 'utf8');
	}

	/**
	 * By trying: opening the file for writing (without changing it) and creating a temporary file beside it, as
	 * `write` will. Permission bits alone would not tell (root ignores them; a read-only mount has any bits).
	 */
	probeWritable(): boolean {
		try {
			closeSync(openSync(this.path, constants.O_WRONLY));
			const probe = this.#temporaryPath();
			closeSync(openSync(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
			unlinkSync(probe);
			this.#writable = true;
		} catch {
			this.#writable = false;
		}
		return this.#writable;
	}

	/**
	 * Replaces the file's content with `text`, keeping the previous version as `<name>.bak`. Throws
	 * `ConfigFileReadOnlyError` when the file or its folder cannot be written; the file is then unchanged.
	 */
	async write(text: string): Promise<void> {
		if (!this.probeWritable()) throw new ConfigFileReadOnlyError(this.path);
		const temporary = this.#temporaryPath();
		try {
			const handle = await open(temporary, 'wx', 0o600);
			try {
				await handle.writeFile(text, 'utf8');
				await handle.sync();
			} finally {
				await handle.close();
			}
			await copyFile(this.path, `${this.path}.bak`).catch(() => {}); // a first save of a new file has nothing to keep
			await rename(temporary, this.path);
		} catch (error) {
			await unlink(temporary).catch(() => {});
			if (isPermissionError(error)) {
				this.#writable = false;
				throw new ConfigFileReadOnlyError(this.path);
			}
			throw error;
		}
		await syncFolder(this.#folder);
	}

	#temporaryPath(): string {
		return join(this.#folder, `.${basename(this.path)}.${randomBytes(4).toString('hex')}.tmp`);
	}
}

function isPermissionError(error: unknown): boolean {
	const code = (error as NodeJS.ErrnoException).code;
	return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENAMETOOLONG';
}

/** So that the rename itself survives a crash; folders cannot be opened for this on every platform. */
async function syncFolder(folder: string): Promise<void> {
	try {
		const handle = await open(folder, 'r');
		try {
			await handle.sync();
		} finally {
			await handle.close();
		}
	} catch {
		// best effort
	}
}
