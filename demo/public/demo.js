// The demo page's own script: wires the checkboxes to the simulated BlueConic, shows what the SDK posts, what
// the collector holds, and the collector's decision. Nothing here is needed by a real site using the bridge.
(function () {
	'use strict';
	var segmentsPath = '/plugins/public/blueconic/segments';
	var decisionUrl = '/plugins/public/blueconic/decision?featured=premium-prospects';
	var signedIn = document.body.dataset.signedIn === 'true';
	var refreshCount = 0;

	function byId(id) { return document.getElementById(id); }

	function log(text, kind) {
		var item = document.createElement('li');
		item.className = kind || '';
		var time = document.createElement('time');
		time.textContent = new Date().toLocaleTimeString();
		item.append(time, ' ', text);
		var activity = byId('activity');
		activity.prepend(item);
		while (activity.children.length > 30) activity.lastElementChild.remove();
	}

	function formatIds(ids) {
		return ids && ids.length ? ids.join(', ') : '(none)';
	}

	// --- step 2: the simulated BlueConic --------------------------------------------------------------
	var choices = Array.prototype.slice.call(document.querySelectorAll('#segment-choices input[name="segment"]'));
	var chosen = window.demoBlueConic.chosenSegmentIds();
	choices.forEach(function (box) {
		box.checked = chosen.indexOf(box.value) !== -1;
		box.addEventListener('change', function () {
			var ids = choices.filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
			log('You chose segments: ' + formatIds(ids) + '. BlueConic registers a page view…' +
				(signedIn ? '' : ' (Signed out: the SDK is not on this page, so nothing is posted.)'), 'you');
			window.demoBlueConic.choose(ids);
		});
	});

	function showBlueConicSegments() {
		var client = window.blueConicClient;
		if (!client) return;
		byId('blueconic-segments').textContent = JSON.stringify(client.getSegments().map(function (s) { return s.id; }));
	}

	document.addEventListener('demo:blueconic-event', function (event) {
		if (event.detail === 'onReady') {
			byId('blueconic-status').textContent = 'BlueConic client: ready (window.blueConicClient)';
			byId('blueconic-status').classList.add('ok');
			byId('segment-choices').disabled = false;
			log('BlueConic loaded: fired onBlueConicLoaded.', 'blueconic');
		} else if (event.detail === 'PAGEVIEW') {
			log('BlueConic recomputed your segments and fired PAGEVIEW, onEventReady.', 'blueconic');
		}
		showBlueConicSegments();
	});

	// --- step 3: what the SDK posts and what the collector holds --------------------------------------
	// Resource timing sees the SDK's posts without touching the SDK or fetch.
	if (window.PerformanceObserver) {
		new PerformanceObserver(function (list) {
			list.getEntries().forEach(function (entry) {
				if (new URL(entry.name, location.href).pathname !== segmentsPath) return;
				var status = entry.responseStatus;
				if (status === 204) log('The SDK posted your segments to the collector: HTTP 204.', 'sdk');
				// The SDK is on signed-in pages only: a 401 means the session ended meanwhile (signed out in another tab).
				else if (status === 401) log('The SDK posted your segments; the collector refused them: HTTP 401, the session has ended. Sign in again.', 'sdk refused');
				else log('The SDK posted your segments: HTTP ' + (status || '?') + '.', 'sdk');
				refresh(false);
			});
		}).observe({ type: 'resource', buffered: true });
	}

	function withBridge(run) {
		if (window.BlueConicBridge) return run(window.BlueConicBridge);
		var tag = document.querySelector('script[src$="/plugins/public/blueconic/sdk.js"]');
		if (tag) tag.addEventListener('load', function () { if (window.BlueConicBridge) run(window.BlueConicBridge); });
	}

	// The SDK remembers, per tab, the set the collector acknowledged, and does not post it again while that is recent
	// and the session cookie it can read is the same. This demo's session cookie is HttpOnly (see demo/site.ts), so
	// the SDK cannot see a sign-in or sign-out: the form posts, a new page loads, and the same set looks delivered.
	// So the form leaves a note for the next page, which asks the SDK to post the set again for the new session with
	// its public API, flush({ force: true }) (before BlueConic is ready, the SDK posts as soon as it is). A site whose
	// session cookie pages can read needs none of this: the SDK notices the new value itself.
	var sessionChangedKey = 'demo:session-changed';
	Array.prototype.forEach.call(document.querySelectorAll('form[action="/login"], form[action="/logout"]'), function (form) {
		form.addEventListener('submit', function () {
			try {
				sessionStorage.setItem(sessionChangedKey, '1');
			} catch (error) {
				// No storage: the SDK remembers nothing either, and posts anyway.
			}
		});
	});
	try {
		if (sessionStorage.getItem(sessionChangedKey)) {
			sessionStorage.removeItem(sessionChangedKey);
			withBridge(function (bridge) { bridge.flush({ force: true }); });
		}
	} catch (error) {
		// No storage: nothing was remembered.
	}

	function showHeld(state) {
		var held = byId('collector-segments');
		var updated = byId('collector-updated');
		if (!state.signedIn) {
			held.dataset.state = 'signed-out';
			held.textContent = 'Nothing: you are signed out.';
			updated.textContent = '';
		} else if (!state.held) {
			held.dataset.state = 'none';
			held.textContent = 'Nothing reported for this session yet.';
			updated.textContent = '';
		} else {
			held.dataset.state = 'held';
			held.textContent = formatIds(state.held.segments);
			updated.textContent = 'Reported at ' + new Date(state.held.updatedAt).toLocaleTimeString() + '.';
		}
		if (!signedIn) {
			byId('sdk-delivered').textContent = '– (signed out: this page does not load the SDK)';
			return;
		}
		withBridge(function (bridge) {
			var delivered = bridge.lastDelivered();
			byId('sdk-delivered').textContent = delivered ? JSON.stringify(delivered) : '– (nothing delivered yet)';
		});
	}

	// --- step 4: the decision --------------------------------------------------------------------------
	var offers = {
		yes: ['Premium offer: your first year at half price', 'The collector says this session is a premium prospect, so the site shows its best offer.'],
		no: ['Standard offer: subscribe for €9 a month', 'Reported, but not in premium-prospects: the regular offer.'],
		unknown: ['Standard offer (we don\u2019t know you yet)', 'No segments reported for this session yet, so the site cannot tell.'],
		'signed-out': ['Sign in to see your offer', 'Without a session the collector refuses to decide (401 session_missing); the site shows its default.'],
		error: ['The decision failed', 'See the activity log.'],
	};

	/** `result` is the collector's decision, or the code of its error answer; `badge` what the badge says. */
	function showDecision(result, view, badge) {
		var offer = byId('offer');
		offer.dataset.result = result;
		byId('offer-result').textContent = badge || result;
		byId('offer-title').textContent = offers[view][0];
		byId('offer-text').textContent = offers[view][1];
	}

	function refresh(waitForFirstReport) {
		var refreshId = ++refreshCount;
		var latest = function () { return refreshId === refreshCount; };
		fetch('/demo/state', { credentials: 'same-origin' })
			.then(function (response) {
				if (!response.ok) throw new Error('HTTP ' + response.status);
				return response.json();
			})
			.then(function (state) { if (latest()) showHeld(state); })
			.catch(function (error) { log('Could not read the collector state: ' + error.message, 'refused'); });

		// Asked signed out too, to show what the collector answers then. `wait` lets it hold the answer until this
		// session's first report arrives (at most 1.5 s).
		fetch(decisionUrl + (waitForFirstReport && signedIn ? '&wait=1500' : ''), { credentials: 'same-origin' })
			.then(function (response) {
				return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
			})
			.then(function (answered) {
				if (!latest()) return;
				var answer = answered.answer;
				var code = answer.error && answer.error.code;
				if (answered.status === 401 && code === 'session_missing') {
					showDecision(code, 'signed-out', '401 ' + code);
					return;
				}
				if (!answer.result) {
					showDecision(code || 'error', 'error', code ? answered.status + ' ' + code : 'error');
					log('Decision failed: ' + (answer.error ? answer.error.message : 'unexpected answer'), 'refused');
					return;
				}
				var previous = byId('offer').dataset.result;
				showDecision(answer.result, answer.result);
				if (previous !== answer.result) log('The collector decided premium-prospects: ' + answer.result + '.', 'decision ' + answer.result);
			})
			.catch(function (error) { log('Decision failed: ' + error.message, 'refused'); });
	}

	log(signedIn ? 'Page loaded, signed in.' : 'Page loaded, signed out.', 'you');
	refresh(true);
})();
