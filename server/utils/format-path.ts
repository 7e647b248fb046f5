/** A validation issue's path as an operator writes it: `['sites', 0, 'origins', 1]` → `sites[0].origins[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
	return path.reduce<string>(
		(text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
		'',
	);
}
