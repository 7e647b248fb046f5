import { readFileSync } from 'node:fs';

/**
 * CPU time the main thread has used, in microseconds (user + system), or undefined off Linux.
 *
 * Why not event loop utilization: on a machine with two cores, the load generator's thread, the kernel and GC
 * helpers compete with the server's thread, and ELU counts the time the server thread waits for a core as busy.
 * `/proc/self/task/<main thread>/stat` counts only the time it ran (fields 14 and 15, in 1/100 s).
 */
export function mainThreadCpuMicros(): number | undefined {
	return cpuMicrosOf(`/proc/self/task/${process.pid}/stat`);
}

/** CPU time another process (all its threads) has used, in microseconds, or undefined off Linux. */
export function processCpuMicros(pid: number): number | undefined {
	return cpuMicrosOf(`/proc/${pid}/stat`);
}

function cpuMicrosOf(statPath: string): number | undefined {
	let stat: string;
	try {
		stat = readFileSync(statPath, 'utf8');
	} catch {
		return undefined;
	}
	// The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Node runs on
	return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / ticksPerSecond;
}
