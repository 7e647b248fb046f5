/**
 * sessionStorage (one tab, survives reloads), guarded: it can be missing or throw (sandboxed iframes, blocked
 * cookies, a full quota). A failed read is "nothing remembered", a failed write "not remembered"; either costs
 * at most one extra post on the next page.
 */
export function readSessionValue(key: string): string | null {
	try {
		return sessionStorage.getItem(key);
	} catch {
		return null;
	}
}

export function writeSessionValue(key: string, value: string): void {
	try {
		sessionStorage.setItem(key, value);
	} catch {
		// Not remembered: see above.
	}
}

/** Where the last delivered report for `endpoint` is remembered; the snippet and the SDK share it. */
export function deliveredReportKey(endpoint: string): string {
	return `blueconic-bridge:${endpoint}`;
}
