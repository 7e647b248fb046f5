/** The collector's URL paths: contracts with pages, scripts and backends (see DESIGN.md). */
export const paths = {
	segments: '/plugins/public/blueconic/segments',
	decision: '/plugins/public/blueconic/decision',
	sdkScript: '/plugins/public/blueconic/sdk.js',
	decide: '/plugins/blueconic/decide',
	sessionSegments: '/plugins/blueconic/sessions/:sessionId/segments',
	featuredSegments: '/plugins/blueconic/featured-segments',
	profileSync: '/plugins/blueconic/profile-sync',
	health: '/healthz',
	ready: '/readyz',
	metrics: '/metrics',
} as const;
