import { featuredSegments } from './config.js';

export interface PageState {
	/** The signed-in visitor's email, or undefined when signed out. */
	email: string | undefined;
}

/** Segments the simulated BlueConic can put the visitor in: the featured ones and two others. */
const simulatedSegments: ReadonlyArray<{ id: string; name: string }> = [
	...Object.entries(featuredSegments).map(([id, name]) => ({ id, name: `${name} (featured)` })),
	{ id: 'tech-readers', name: 'Tech readers' },
	{ id: 'weekend-visitors', name: 'Weekend visitors' },
];

/**
 * Only on pages for signed-in visitors: without a session the collector refuses every report (401), and a site that
 * knows the visitor is signed out has nothing to post. Same origin, so `data-endpoint` is the default path.
 */
const sdkScriptTag =
	'<script async src="/plugins/public/blueconic/sdk.js" data-endpoint="/plugins/public/blueconic/segments" data-debug></script>';

/**
 * The demo's one page. No inline script or style: the Content-Security-Policy allows only this origin's files,
 * which shows the SDK runs under a strict policy.
 */
export function renderPage({ email }: PageState): string {
	const signedIn = email !== undefined;
	const account = signedIn
		? `<p class="account-state" id="account-state" data-signed-in="true">Signed in as <strong>${escapeHtml(email)}</strong>.
	The collector knows this session from its <code>blaize_session</code> cookie (HttpOnly: page scripts cannot read it).</p>
	<form method="post" action="/logout"><button type="submit" id="logout">Sign out</button></form>`
		: `<p class="account-state" id="account-state" data-signed-in="false">Signed out: there is no session. The collector
	answers segment reports and decisions without one with 401 <code>session_missing</code>, so this page does not load
	the SDK: nothing is posted until you sign in. Segments you pick meanwhile stay in BlueConic's profile and are posted
	once you are signed in.</p>
	<form method="post" action="/login" class="login">
		<label for="email">Email</label>
		<input id="email" name="email" type="email" required maxlength="200" value="reader@example.com" autocomplete="email">
		<button type="submit" id="login">Sign in</button>
	</form>`;
	const checkboxes = simulatedSegments
		.map(
			({ id, name }) => `<li><label><input type="checkbox" name="segment" value="${escapeHtml(id)}"> ${escapeHtml(name)}
			<code>${escapeHtml(id)}</code></label></li>`,
		)
		.join('\n\t\t\t');

	return `<!doctype html>
<html lang="en">
<head>
	<meta charset="utf-8">
	<meta name="viewport" content="width=device-width, initial-scale=1">
	<title>blueconic-bridge demo · The Daily Example</title>
	<link rel="icon" href="/demo/favicon.svg" type="image/svg+xml">
	<link rel="stylesheet" href="/demo/demo.css">
	<script src="/demo/blueconic-simulator.js" defer></script>
	${signedIn ? sdkScriptTag : ''}
	<script src="/demo/demo.js" defer></script>
</head>
<body data-signed-in="${signedIn}">
<header>
	<div class="brand">The Daily Example</div>
	<div class="subtitle">a publisher site running <strong>blueconic-bridge</strong></div>
</header>
<main>
	<section class="intro">
		<h1>Segments from the browser, decisions on the server</h1>
		<ol>
			<li><strong>Sign in.</strong> The site creates a session and sets the <code>blaize_session</code> cookie.</li>
			<li><strong>Pick segments.</strong> A simulated BlueConic client puts you in them, registers a page view and fires
				its events, as the real one does once its servers have recomputed your segments.</li>
			<li><strong>Watch the bridge.</strong> The SDK (<code>/plugins/public/blueconic/sdk.js</code>) reads
				<code>blueConicClient.getSegments()</code> and posts the ids to the collector with your session cookie.</li>
			<li><strong>See the decision.</strong> The premium offer below is chosen by the collector: is this session in the
				featured segment <code>premium-prospects</code>? <em>yes</em>, <em>no</em>, or <em>unknown</em> (nothing reported
				yet for this session).</li>
		</ol>
	</section>

	<section class="card" id="account">
		<h2><span class="step">1</span> Your account</h2>
		${account}
	</section>

	<section class="card" id="blueconic">
		<h2><span class="step">2</span> Simulated BlueConic</h2>
		<p class="status" id="blueconic-status">BlueConic client: loading…</p>
		<fieldset id="segment-choices" disabled>
			<legend>Put me in these segments</legend>
			<ul class="choices">
			${checkboxes}
			</ul>
		</fieldset>
		<p class="small"><code>getSegments()</code> returns <code id="blueconic-segments">[]</code></p>
	</section>

	<section class="card" id="reported">
		<h2><span class="step">3</span> What the collector holds</h2>
		<p class="small">Asked by this site's backend with <code>blueconic-bridge/client</code>:
			<code>sessionSegments(session)</code>.</p>
		<p class="held"><span id="collector-segments" data-state="loading">…</span></p>
		<p class="small" id="collector-updated"></p>
		<p class="small">The SDK's <code>BlueConicBridge.lastDelivered()</code> in this tab: <code id="sdk-delivered">–</code></p>
	</section>

	<section class="card offer" id="offer" data-result="loading">
		<h2><span class="step">4</span> Your offer</h2>
		<p class="decision">Collector decision for <code>premium-prospects</code>: <span class="badge" id="offer-result">…</span></p>
		<div class="offer-body">
			<p class="offer-title" id="offer-title">Asking the collector…</p>
			<p class="offer-text" id="offer-text"></p>
		</div>
	</section>

	<section class="card log">
		<h2>What happened</h2>
		<ol id="activity" reversed></ol>
	</section>
</main>
<footer>Everything runs on this one server: the demo site, and the collector mounted beside it. Open the browser
	console to see the SDK's own log (<code>data-debug</code>).</footer>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
