/**
 * What a tab remembers of its last delivery to a collector: one sessionStorage entry (one tab, survives reloads)
 * under `deliveredReportKey(endpoint)`, which the SDK and the snippet both read and write. Its value, the record:
 *
 *     <deliveredAt, Unix ms>|<session fingerprint>|<report>        e.g. 1718000000000|-1298165512|["a","b"]
 *
 * The collector keeps a report only `segments.ttlSeconds` after it arrived, and files it under the session
 * cookie, so "this tab delivered this set" is not enough to skip a post. The collector holds a set when the record
 * ends with `|<fingerprint>|<report>` for the current fingerprint (see fingerprint.ts; it has no `|`) and its age,
 * `Date.now() - parseInt(record)`, is under the refresh interval. Anything else under the key (an older version's
 * bare report, another script's text) is not held: its age is NaN. The report starts at the record's first `[`:
 * neither part before it has one. Both write this out in place rather than call helpers, which would not minify
 * away: the gzip budgets are tight (test/sdk/size.test.ts).
 *
 * sessionStorage can be missing or throw (sandboxed frames, blocked cookies, a full quota), so every access is in
 * a try/catch: a failed read is "nothing remembered", a failed write "not remembered", either costing at most one
 * extra post.
 */
export const deliveredReportKey = (endpoint: string): string => 'blueconic-bridge:' + endpoint;
