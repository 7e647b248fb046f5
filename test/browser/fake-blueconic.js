// A stand-in for BlueConic's browser client (`window.blueConicClient`), loaded by the test pages as
// <script src="/fake-blueconic.js" data-segments="a,b" data-delay="300">:
//   data-segments  the visitor's segment ids at load (comma-separated; empty: none)
//   data-delay     define the client only after this many milliseconds (BlueConic arriving after our script)
// Like the real client it announces itself with the window event `onBlueConicLoaded`. Tests steer it through
// `window.fakeBlueConic`: change the segments silently or with an event, and set the segments that
// `handlePageView()` produces after a simulated round trip (without firing any event, so that only a wrapper of
// `handlePageView` can notice).
(function () {
	const script = document.currentScript;
	let segmentIds = (script.dataset.segments || '').split(',').filter(Boolean);
	let segmentsAfterPageView = null;
	const handlers = {};
	const subscriptions = [];

	function fire(eventName) {
		for (const handler of handlers[eventName] || []) handler();
	}

	const client = {
		event: {
			subscribe(eventName, context, handler) {
				subscriptions.push(eventName);
				(handlers[eventName] = handlers[eventName] || []).push(handler.bind(context));
			},
		},
		getSegments() {
			return segmentIds.map((id) => ({ id, name: `Segment ${id}` }));
		},
		handlePageView() {
			setTimeout(() => {
				if (segmentsAfterPageView) segmentIds = segmentsAfterPageView;
				segmentsAfterPageView = null;
			}, 50);
			return 'page view registered';
		},
	};

	window.fakeBlueConic = {
		subscriptions,
		setSegments(ids) {
			segmentIds = ids;
		},
		/** The raw list getSegments() returns, for tests of what the SDK accepts. */
		setRawSegments(list) {
			client.getSegments = () => list;
		},
		setSegmentsAfterPageView(ids) {
			segmentsAfterPageView = ids;
		},
		fire,
	};

	function define() {
		window.blueConicClient = client;
		window.dispatchEvent(new Event('onBlueConicLoaded'));
		fire('onEventReady');
	}

	const delay = Number(script.dataset.delay || 0);
	if (delay) setTimeout(define, delay);
	else define();
})();
