import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		// Browser and server tests do real I/O on loopback; a slow CI machine should not turn that into failures.
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// expect.poll gives up after 1 s by default: too little for a starved browser to read an answer.
		expect: { poll: { timeout: 10_000 } },
		pool: 'forks',
		// Two cores: more workers than that only makes Chromium and the servers fight for them.
		maxWorkers: 2,
		reporters: ['default', './test/summary-line-reporter.ts'],
	},
});
