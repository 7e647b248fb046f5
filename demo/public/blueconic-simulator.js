// A stand-in for BlueConic's browser client (window.blueConicClient), close enough for the SDK:
// it loads a little after the page, then fires `onBlueConicLoaded` on window; `event.subscribe(name, context,
// handler)` registers handlers; `getSegments()` returns [{id, name}]; `handlePageView()` registers a page view.
// Like the real one, a change of segments shows only after a page view round trip to "BlueConic's servers".
(function () {
	'use strict';
	var storageKey = 'demo-blueconic:segments';
	var loadDelayMs = 400;
	var roundTripMs = 300;
	var handlers = {};
	var segmentNames = {
		'sports-fans': 'Sports fans',
		'premium-prospects': 'Premium prospects',
		'tech-readers': 'Tech readers',
		'weekend-visitors': 'Weekend visitors',
	};

	// The profile's segments persist like BlueConic's own profile cookie: across reloads and sign-ins.
	function readStored() {
		try {
			var ids = JSON.parse(localStorage.getItem(storageKey) || '[]');
			return Array.isArray(ids) ? ids.filter(function (id) { return typeof id === 'string'; }) : [];
		} catch (error) {
			return [];
		}
	}
	var currentSegmentIds = readStored();
	var wantedSegmentIds = currentSegmentIds.slice();

	function fire(eventName) {
		document.dispatchEvent(new CustomEvent('demo:blueconic-event', { detail: eventName }));
		(handlers[eventName] || []).forEach(function (entry) {
			try {
				entry.handler.call(entry.context);
			} catch (error) {
				console.error('[simulated BlueConic] a handler of', eventName, 'threw', error);
			}
		});
	}

	var client = {
		event: {
			subscribe: function (eventName, context, handler) {
				(handlers[eventName] = handlers[eventName] || []).push({ context: context, handler: handler });
			},
		},
		getSegments: function () {
			return currentSegmentIds.map(function (id) { return { id: id, name: segmentNames[id] || id }; });
		},
		handlePageView: function () {
			fire('onBeforePreListeners');
			setTimeout(function () {
				currentSegmentIds = wantedSegmentIds.slice();
				fire('PAGEVIEW');
				fire('onEventReady');
			}, roundTripMs);
		},
	};

	// For the demo page only (not part of BlueConic's API): the checkboxes choose the profile's segments.
	window.demoBlueConic = {
		chosenSegmentIds: function () { return wantedSegmentIds.slice(); },
		choose: function (segmentIds) {
			wantedSegmentIds = segmentIds.slice();
			try {
				localStorage.setItem(storageKey, JSON.stringify(wantedSegmentIds));
			} catch (error) {
				// Not remembered across reloads: the demo still works in this page.
			}
			client.handlePageView();
		},
	};

	setTimeout(function () {
		window.blueConicClient = client;
		window.dispatchEvent(new Event('onBlueConicLoaded'));
		fire('onReady');
		fire('onEventReady');
	}, loadDelayMs);
})();
