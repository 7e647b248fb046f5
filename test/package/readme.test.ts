import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/load.js';
import { send } from '../server/http-client.js';
import { type StartedCollector, startCollector } from '../server/collector-fixture.js';
import { relativeMarkdownLinks } from './markdown-links.js';

/** The README's quick start is one set-up that works: its script tag reaches a site its example config activates. */

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
/** Where the README says the pages are. */
const pageOrigin = 'https://www.example.com';
const env = { BRIDGE_API_KEY: 'readme-test-api-key-0123456789' };

function exampleConfig(): unknown {
	const block = /```json\n([^`]*)```/.exec(readme.slice(readme.indexOf('## Collector')))?.[1];
	if (block === undefined) throw new Error('the README\'s collector section has no JSON block');
	return JSON.parse(block);
}

/** The README's script tag: where it loads the SDK from, and where the SDK posts. */
function scriptTag(): { src: URL; endpoint: URL } {
	const tag = /<script async src="[^"]*"\s+data-endpoint="[^"]*"><\/script>/.exec(readme)?.[0] ?? '';
	const attribute = (name: string) => new URL(new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1] ?? 'invalid:');
	return { src: attribute('src'), endpoint: attribute('data-endpoint') };
}

describe('the README', () => {
	it('says the pages of its example are on the origin this test uses', () => {
		expect(readme).toContain(`pages on \`${pageOrigin}\``);
	});

	it('has an example configuration the collector takes', () => {
		expect(() => parseConfig(exampleConfig(), env)).not.toThrow();
	});

	it('links only files that exist', () => {
		for (const link of relativeMarkdownLinks(readme)) expect(existsSync(join(projectRoot, link)), link).toBe(true);
		for (const doc of relativeMarkdownLinks(readme).filter((link) => link.startsWith('docs/'))) {
			for (const link of relativeMarkdownLinks(readFileSync(join(projectRoot, doc), 'utf8'))) {
				expect(existsSync(join(projectRoot, dirname(doc), link)), `${doc} links ${link}`).toBe(true);
			}
		}
	});

	describe('script tag, against a collector with the example configuration', () => {
		let running: StartedCollector;
		let sessionId: string;

		beforeAll(async () => {
			// One substitution: the session check. The example asks the publisher's account endpoint, which a test cannot.
			const config = { ...(exampleConfig() as object), session: { validate: { type: 'memory' } } };
			running = await startCollector(parseConfig(config, env));
			const sessions = running.collector.memorySessions;
			if (!sessions) throw new Error('expected memory sessions');
			sessionId = sessions.create({ email: 'reader@example.com' });
		});

		afterAll(async () => {
			await running?.stop();
		});

		it('takes the segments the SDK posts from the page, cross-origin, with the session cookie', async () => {
			const { src, endpoint } = scriptTag();
			expect(endpoint.origin, 'the SDK and its endpoint come from one collector').toBe(src.origin);
			const preflight = await send(`${running.url}${endpoint.pathname}`, {
				method: 'OPTIONS',
				headers: { host: endpoint.host, origin: pageOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
			});
			expect(preflight.headers['access-control-allow-origin']).toBe(pageOrigin);
			expect(preflight.headers['access-control-allow-credentials']).toBe('true');

			const post = await send(`${running.url}${endpoint.pathname}`, {
				method: 'POST',
				headers: { host: endpoint.host, origin: pageOrigin, 'content-type': 'application/json', cookie: `blaize_session=${sessionId}` },
				body: '["seg1"]',
			});
			expect(post.status).toBe(204);
		});
	});
});
