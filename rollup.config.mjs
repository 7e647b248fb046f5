// Builds the browser SDK into dist/sdk (see DESIGN.md, "Build outputs"):
//   index.js + index.d.ts      ESM for bundlers and SPAs, not minified (the site's bundler minifies)
//   blueconic-bridge.min.js    the script-tag build: IIFE, minified, auto-starts
//   snippet.min.js             the inline snippet's body: IIFE, minified
// Their gzip sizes are budgeted in test/sdk/size.test.ts.
import { rmSync } from 'node:fs';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const outDir = 'dist/sdk';
const tsconfig = 'tsconfig.sdk.json';
// A type error fails the build instead of scrolling past as a warning.
const noEmitOnError = true;

// Declarations of a removed module must not linger beside the new build.
rmSync(outDir, { recursive: true, force: true });

const minify = terser({
	ecma: 2020,
	toplevel: true,
	compress: { passes: 3, unsafe: true, unsafe_arrows: true, pure_getters: true },
	format: { comments: false },
});

/**
 * One self-contained, minified file for a `<script>` tag. Types come from the ESM build only, and so does type
 * checking: its program covers every file of tsconfig.sdk.json, these entry points included.
 */
function minifiedScript(input, file) {
	return {
		input,
		// Not strict: the files are run as classic scripts, and the SDK's code does not rely on strict mode.
		output: { file: `${outDir}/${file}`, format: 'iife', strict: false },
		plugins: [typescript({ tsconfig, noEmitOnError, declaration: false, outDir, noCheck: true }), minify],
	};
}

export default [
	{
		input: 'sdk/index.ts',
		output: { dir: outDir, format: 'es', sourcemap: true },
		plugins: [
			typescript({
				tsconfig,
				noEmitOnError,
				outDir,
				declarationDir: outDir,
			}),
			{
				// TypeScript declares every file of the project; the two script entry points export nothing.
				name: 'drop-script-declarations',
				writeBundle() {
					for (const name of ['script-tag', 'snippet']) rmSync(`${outDir}/${name}.d.ts`, { force: true });
				},
			},
		],
	},
	minifiedScript('sdk/script-tag.ts', 'blueconic-bridge.min.js'),
	minifiedScript('sdk/snippet.ts', 'snippet.min.js'),
];
