import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';
import type { LoadJob, LoadRequest, LoadResult } from './load-job.js';
import { percentile } from './stats.js';

/**
 * The load generator, in a worker thread so that it has its own event loop (and core) while the servers under
 * test run on the main thread of the same process.
 */
parentPort?.on('message', (job: LoadJob) => {
	runLoad(job).then(
		(result) => parentPort?.postMessage({ result }),
		(error: unknown) => parentPort?.postMessage({ error: String(error) }),
	);
});

async function runLoad(job: LoadJob): Promise<LoadResult> {
	const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
	const latenciesMs: number[] = [];
	let errors = 0;
	let firstError: string | undefined;
	const startedAt = performance.now();
	const deadline = startedAt + job.durationMs;

	const connection = async (offset: number): Promise<void> => {
		for (let index = offset; performance.now() < deadline; index += job.connections) {
			const sent = performance.now();
			const outcome = await send(agent, job, job.requests[index % job.requests.length] as LoadRequest);
			latenciesMs.push(performance.now() - sent);
			if (outcome !== job.expectedStatus) {
				errors++;
				firstError ??= String(outcome);
			}
		}
	};
	await Promise.all(Array.from({ length: job.connections }, (_, offset) => connection(offset)));
	const elapsedSeconds = (performance.now() - startedAt) / 1000;
	agent.destroy();

	latenciesMs.sort((a, b) => a - b);
	return {
		requests: latenciesMs.length,
		errors,
		...(firstError === undefined ? {} : { firstError }),
		requestsPerSecond: latenciesMs.length / elapsedSeconds,
		p50Ms: percentile(latenciesMs, 0.5),
		p99Ms: percentile(latenciesMs, 0.99),
	};
}

/** Sends one request; resolves with the status, or an error's text. */
function send(agent: Agent, job: LoadJob, { method, path, headers, body }: LoadRequest): Promise<number | string> {
	return new Promise((resolve) => {
		const outgoing = request({ agent, host: job.host, port: job.port, method, path, headers }, (response) => {
			response.resume();
			response.on('end', () => resolve(response.statusCode ?? 0));
			response.on('error', (error) => resolve(error.message));
		});
		outgoing.on('error', (error) => resolve(error.message));
		outgoing.end(body);
	});
}
