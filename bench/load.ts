import { Worker } from 'node:worker_threads';
import type { LoadJob, LoadResult } from './load-job.js';

/** Runs load jobs one after another in a worker thread of this process. */
export class LoadGenerator {
	readonly #worker = new Worker(new URL('./load-worker.js', import.meta.url));

	run(job: LoadJob): Promise<LoadResult> {
		return new Promise((resolve, reject) => {
			const failed = (error: Error): void => reject(error);
			this.#worker.once('message', (message: { result?: LoadResult; error?: string }) => {
				this.#worker.off('error', failed);
				if (message.result) resolve(message.result);
				else reject(new Error(`load generator: ${message.error ?? 'no result'}`));
			});
			this.#worker.once('error', failed);
			this.#worker.postMessage(job);
		});
	}

	async close(): Promise<void> {
		await this.#worker.terminate();
	}
}
