import { useEffect, useState } from 'preact/hooks';
import { callApi } from './api.js';
import type { SegmentPage } from './contract.js';
import { html } from './html.js';

type Listing = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'loaded'; page: SegmentPage };

/** BlueConic's segments, searchable by name and paged; a click adds one to the featured list. */
export function SegmentPicker({ featuredIds, onPick }: { featuredIds: ReadonlySet<string>; onPick: (id: string, name: string) => void }) {
	const [search, setSearch] = useState('');
	const [page, setPage] = useState(1);
	const [listing, setListing] = useState<Listing>({ state: 'loading' });

	useEffect(() => {
		let current = true;
		setListing({ state: 'loading' });
		// Typing settles before asking: one request per pause, not per key.
		const timer = setTimeout(async () => {
			const query = new URLSearchParams({ search, page: String(page) });
			const answer = await callApi<SegmentPage>('GET', `blueconic/segments?${query}`);
			if (!current) return;
			setListing(answer.ok ? { state: 'loaded', page: answer.body } : { state: 'failed', message: answer.body.error.message });
		}, 200);
		return () => {
			current = false;
			clearTimeout(timer);
		};
	}, [search, page]);

	const pages = listing.state === 'loaded' ? Math.max(1, Math.ceil(listing.page.total / listing.page.pageSize)) : 1;

	return html`<div class="picker" id="segment-picker">
		<div class="field">
			<label for="segment-search">Search BlueConic's segments by name</label>
			<input
				id="segment-search"
				type="search"
				value=${search}
				placeholder="e.g. sports"
				onInput=${(event: Event) => {
					setSearch((event.currentTarget as HTMLInputElement).value);
					setPage(1);
				}}
			/>
		</div>
		<div aria-live="polite" aria-busy=${listing.state === 'loading'}>
			${listing.state === 'loading' ? html`<p class="muted">Loading segments from BlueConic…</p>` : null}
			${listing.state === 'failed' ? html`<p class="result result-bad" role="alert">${listing.message}</p>` : null}
			${listing.state === 'loaded'
				? html`<div>
						<p class="muted picker-count">${listing.page.total} ${listing.page.total === 1 ? 'segment' : 'segments'}${search ? ` matching “${search}”` : ''}</p>
						<ul class="picker-list">
							${listing.page.segments.map((segment) => {
								const added = featuredIds.has(segment.id);
								return html`<li>
									<div class="picker-text">
										<span class="picker-name">${segment.name}</span>
										<code class="picker-id">${segment.id}</code>
										${segment.description ? html`<span class="picker-description">${segment.description}</span>` : null}
									</div>
									<button
										class="button small"
										type="button"
										disabled=${added}
										aria-label=${added ? `${segment.name} is featured` : `Add ${segment.name}`}
										onClick=${() => onPick(segment.id, segment.name)}
									>
										${added ? 'Added' : 'Add'}
									</button>
								</li>`;
							})}
						</ul>
						${pages > 1
							? html`<nav class="pager" aria-label="Segment pages">
									<button class="button small subtle" type="button" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Previous</button>
									<span>Page ${listing.page.page} of ${pages}</span>
									<button class="button small subtle" type="button" disabled=${page >= pages} onClick=${() => setPage(page + 1)}>Next</button>
								</nav>`
							: null}
					</div>`
				: null}
		</div>
	</div>`;
}
