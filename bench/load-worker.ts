import { connect } from 'node:net';
import { parentPort } from 'node:worker_threads';
import type { LoadJob, LoadRequest, LoadResult } from './load-job.js';
import { ResponseReader } from './response-reader.js';
import { percentile } from './stats.js';

/**
 * The load generator, in a worker thread so that it has its own event loop (and core) while the servers under
 * test run on the main thread of the same process.
 *
 * It writes prepared request bytes to raw keep-alive sockets and reads back only the status line and
 * Content-Length, as wrk and autocannon do, so that it outpaces both servers and the ratio compares what they
 * can serve. Node's own `http.request` costs more per request than the servers under test: with it, the load
 * generator was the bottleneck and hid most of the difference between them (see docs/bench.md).
 * (autocannon itself does not fit: it builds every prepared request once per connection.)
 */
parentPort?.on('message', (job: LoadJob) => {
	runLoad(job).then(
		(result) => parentPort?.postMessage({ result }),
		(error: unknown) => parentPort?.postMessage({ error: String(error) }),
	);
});

async function runLoad(job: LoadJob): Promise<LoadResult> {
	const requestBytes = job.requests.map((request) => serialise(request, `${job.host}:${job.port}`));
	const latenciesMs: number[] = [];
	let errors = 0;
	let firstError: string | undefined;
	const startedAt = performance.now();
	const deadline = startedAt + job.durationMs;

	const connection = (offset: number): Promise<void> =>
		new Promise((resolve) => {
			const socket = connect({ host: job.host, port: job.port, noDelay: true });
			const responses = new ResponseReader();
			let index = offset;
			let sentAt = 0;
			const sendNext = (): void => {
				if (performance.now() >= deadline || (job.once === true && index >= requestBytes.length)) {
					socket.destroy();
					return;
				}
				sentAt = performance.now();
				socket.write(requestBytes[index % requestBytes.length] as Buffer);
				index += job.connections;
			};
			socket.on('connect', sendNext);
			socket.on('data', (chunk: Buffer) => {
				let status: number | undefined;
				try {
					status = responses.read(chunk);
				} catch (error) {
					errors++;
					firstError ??= String(error);
					socket.destroy();
					return;
				}
				if (status === undefined) return;
				latenciesMs.push(performance.now() - sentAt);
				if (status !== job.expectedStatus) {
					errors++;
					firstError ??= String(status);
				}
				sendNext();
			});
			socket.on('error', (error) => {
				errors++;
				firstError ??= error.message;
			});
			socket.on('close', () => resolve());
		});

	await Promise.all(Array.from({ length: job.connections }, (_, offset) => connection(offset)));
	const elapsedSeconds = (performance.now() - startedAt) / 1000;

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

function serialise({ method, path, headers, body }: LoadRequest, host: string): Buffer {
	const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`];
	for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
	if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
	return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
}
