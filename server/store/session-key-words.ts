import { hash } from 'node:crypto';
import { sessionKeyLength } from './session-key.js';

/**
 * A session key as the in-process store keeps it: its 16 bytes as four 32-bit words (`words`, reused for each
 * key), so that no session holds a string of its own. A session key (`sessionKeyOf`) is its 16 bytes already;
 * any other string (a test's `'k'`) is first hashed to 16 bytes the same way (SHA-256, first 16 bytes), with the
 * same odds of sharing a key as session ids have (see session-key.ts).
 */
export class SessionKeyWords {
	readonly words = new Uint32Array(4);

	set(key: string): void {
		const words = this.words;
		if (key.length === sessionKeyLength) {
			let any = 0;
			for (let word = 0; word < 4; word++) {
				const at = 4 * word;
				const b0 = key.charCodeAt(at);
				const b1 = key.charCodeAt(at + 1);
				const b2 = key.charCodeAt(at + 2);
				const b3 = key.charCodeAt(at + 3);
				any |= b0 | b1 | b2 | b3;
				words[word] = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
			}
			if (any <= 0xff) return;
		}
		const digest = hash('sha256', key, 'buffer');
		for (let word = 0; word < 4; word++) words[word] = digest.readUInt32LE(4 * word);
	}
}
