/** One request the load generator sends (prepared in full beforehand, so generating load costs little). */
export interface LoadRequest {
	method: 'GET' | 'POST';
	path: string;
	headers: Record<string, string>;
	body?: string;
}

/** A timed run against one server: `connections` keep-alive connections, each sending one request at a time. */
export interface LoadJob {
	host: string;
	port: number;
	requests: LoadRequest[];
	connections: number;
	durationMs: number;
	/** Answers with another status are counted as errors. */
	expectedStatus: number;
	/** Sends each request once, then stops (or at `durationMs`, whichever is first): to prime caches. */
	once?: boolean;
}

export interface LoadResult {
	requests: number;
	/** Answers with another status than expected, or failed requests. */
	errors: number;
	/** The first unexpected status seen, to say what went wrong. */
	firstError?: string;
	requestsPerSecond: number;
	p50Ms: number;
	p99Ms: number;
}
