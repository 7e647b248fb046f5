import { useState } from 'preact/hooks';
import type { Problem, Site } from './contract.js';
import { html } from './html.js';
import { FieldErrors, messagesAt, problemsUnder } from './problems.js';

interface Props {
	sites: readonly Site[] | '*';
	problems: readonly Problem[];
	onChange: (sites: Site[] | '*') => void;
}

/** Activate on sites: which hosts the collector takes reports for, each switched on or off. */
export function SitesCard({ sites, problems, onChange }: Props) {
	return html`<section class="card" id="sites" aria-labelledby="sites-title">
		<header class="card-header">
			<h2 id="sites-title">Activate on sites</h2>
			<p class="muted">The collector takes segment reports only from the sites switched on here. Others are answered 404 site_not_active.</p>
		</header>
		<${FieldErrors} id="sites-errors" messages=${messagesAt(problems, 'sites')} />
		${sites === '*'
			? html`<div class="empty-state">
					<p><strong>Active on every host.</strong> The configuration says <code>"sites": "*"</code>: any host is accepted.</p>
					<button class="button" type="button" onClick=${() => onChange([])}>List the sites one by one instead</button>
				</div>`
			: html`<${SiteList} sites=${sites} problems=${problems} onChange=${onChange} />`}
	</section>`;
}

function SiteList({ sites, problems, onChange }: { sites: readonly Site[]; problems: readonly Problem[]; onChange: (sites: Site[]) => void }) {
	const allActive = sites.length > 0 && sites.every((site) => site.active);
	const edit = (index: number, change: Partial<Site>): void =>
		onChange(sites.map((site, i) => (i === index ? { ...site, ...change } : site)));

	return html`<div>
		<div class="select-all">
			<label class="switch">
				<input
					type="checkbox"
					id="select-all-sites"
					checked=${allActive}
					disabled=${sites.length === 0}
					onChange=${() => onChange(sites.map((site) => ({ ...site, active: !allActive })))}
				/>
				<span class="switch-track" aria-hidden="true"></span>
				Select all sites
			</label>
			<span class="muted">${sites.filter((site) => site.active).length} of ${sites.length} active</span>
		</div>
		<ul class="site-list" id="site-list">
			${sites.length === 0 ? html`<li class="muted empty-row">No sites yet: reports are refused from every host.</li>` : null}
			${sites.map((site, index) => {
				const at = `sites[${index}]`;
				const hostErrors = [...messagesAt(problems, `${at}.host`), ...messagesAt(problems, at)];
				const originErrors = problemsUnder(problems, `${at}.origins`).map((problem) => problem.message);
				return html`<li class=${hostErrors.length + originErrors.length > 0 ? 'site has-error' : 'site'} data-host=${site.host}>
					<label class="switch">
						<input
							type="checkbox"
							checked=${site.active}
							aria-label=${`Active on ${site.host || `site ${index + 1}`}`}
							onChange=${(event: Event) => edit(index, { active: (event.currentTarget as HTMLInputElement).checked })}
						/>
						<span class="switch-track" aria-hidden="true"></span>
					</label>
					<div class="site-fields">
						<input
							class="site-host"
							aria-label=${`Host, site ${index + 1}`}
							value=${site.host}
							spellcheck=${false}
							aria-invalid=${hostErrors.length > 0}
							onInput=${(event: Event) => edit(index, { host: (event.currentTarget as HTMLInputElement).value })}
						/>
						<${FieldErrors} id=${`site-${index}-host-errors`} messages=${hostErrors} />
						<div class="site-origins-row">
							<span class="site-origins-label" aria-hidden="true">Cross-origin pages</span>
							<input
								class="site-origins"
								aria-label=${`Cross-origin pages, site ${index + 1}`}
								placeholder="none: only pages on this host (add cross-origin pages, comma-separated)"
								value=${site.origins.join(', ')}
								spellcheck=${false}
								aria-invalid=${originErrors.length > 0}
								onChange=${(event: Event) => edit(index, { origins: splitOrigins((event.currentTarget as HTMLInputElement).value) })}
							/>
						</div>
						<${FieldErrors} id=${`site-${index}-origin-errors`} messages=${originErrors} />
					</div>
					<span class=${site.active ? 'pill pill-ok' : 'pill'}>${site.active ? 'Active' : 'Off'}</span>
					<button
						class="button small subtle"
						type="button"
						aria-label=${`Remove ${site.host || `site ${index + 1}`}`}
						onClick=${() => onChange(sites.filter((_, i) => i !== index))}
					>
						Remove
					</button>
				</li>`;
			})}
		</ul>
		<${AddSite} onAdd=${(site: Site) => onChange([...sites, site])} />
	</div>`;
}

function AddSite({ onAdd }: { onAdd: (site: Site) => void }) {
	const [host, setHost] = useState('');
	const [origins, setOrigins] = useState('');
	function submit(event: Event): void {
		event.preventDefault();
		onAdd({ host: host.trim(), origins: splitOrigins(origins), active: true });
		setHost('');
		setOrigins('');
	}
	return html`<form class="add-site" onSubmit=${submit} aria-label="Add a site">
		<div class="field">
			<label for="new-site-host">Host</label>
			<input id="new-site-host" value=${host} placeholder="www.example.com" spellcheck=${false} required
				onInput=${(event: Event) => setHost((event.currentTarget as HTMLInputElement).value)} />
		</div>
		<div class="field grow">
			<label for="new-site-origins">Cross-origin pages (optional)</label>
			<input id="new-site-origins" value=${origins} placeholder="https://m.example.com, https://amp.example.com" spellcheck=${false}
				onInput=${(event: Event) => setOrigins((event.currentTarget as HTMLInputElement).value)} />
		</div>
		<button class="button small" type="submit" id="add-site" disabled=${host.trim() === ''}>+ Add site</button>
	</form>`;
}

function splitOrigins(text: string): string[] {
	return text
		.split(/[\s,]+/)
		.map((origin) => origin.trim())
		.filter((origin) => origin !== '');
}
