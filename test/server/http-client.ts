import { type Agent, request as httpRequest } from 'node:http';

export interface TestResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
	/** The body parsed as JSON, or undefined when it is not JSON. */
	json: unknown;
}

export interface TestRequest {
	method?: string;
	headers?: Record<string, string>;
	body?: string | Buffer;
	/** Default: a new connection per request. */
	agent?: Agent;
}

/**
 * A plain node:http request, because tests must set headers that fetch forbids (`Host`, `Origin`, `Cookie`)
 * and send bodies fetch would reshape.
 */
export function send(url: string, { method = 'GET', headers = {}, body, agent }: TestRequest = {}): Promise<TestResponse> {
	return new Promise((resolve, reject) => {
		const req = httpRequest(url, { method, headers, agent: agent ?? false }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let json: unknown;
				try {
					json = JSON.parse(text);
				} catch {
					json = undefined;
				}
				resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
			});
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end(body);
	});
}

/** The `code` of a collector error answer. */
export function errorCode(response: TestResponse): string | undefined {
	return (response.json as { error?: { code?: string } } | undefined)?.error?.code;
}
