/** Says whether one part the collector needs (the store, the queue) can serve now; false or a throw: it cannot. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ReadinessReport {
	ready: boolean;
	/** Each check by name, in the order added. */
	checks: Record<string, 'ok' | 'failing'>;
}

/** A check that has not answered by then counts as failing, so a hung connection cannot hang the probe. */
const checkTimeoutMs = 2_000;

const checkName = /^[a-z][a-z0-9_]*$/;

/**
 * What `GET /readyz` asks: a list of named checks that parts of the collector add (`store` when Redis holds the
 * segments, `queue` for the profile-sync queue). Draining is not a check: `/readyz` answers it first.
 */
export class Readiness {
	readonly #checks = new Map<string, ReadinessCheck>();

	/** Adds the check `name` (snake_case, once). */
	add(name: string, check: ReadinessCheck): void {
		if (!checkName.test(name)) throw new TypeError(`readiness check name must be snake_case, not "${name}"`);
		if (this.#checks.has(name)) throw new TypeError(`readiness check "${name}" is already added`);
		this.#checks.set(name, check);
	}

	/** Runs every check at once. */
	async report(): Promise<ReadinessReport> {
		const names = [...this.#checks.keys()];
		const outcomes = await Promise.all([...this.#checks.values()].map(runCheck));
		const checks: ReadinessReport['checks'] = {};
		for (const [index, name] of names.entries()) checks[name] = outcomes[index] ? 'ok' : 'failing';
		return { ready: outcomes.every(Boolean), checks };
	}
}

async function runCheck(check: ReadinessCheck): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, checkTimeoutMs, false)));
	try {
		return (await Promise.race([Promise.resolve().then(check), timedOut])) === true;
	} catch {
		return false;
	} finally {
		clearTimeout(timer);
	}
}
