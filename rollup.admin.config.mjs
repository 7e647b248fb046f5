// Builds the admin console's UI into dist/admin (see docs/admin.md): index.html, assets/console.js (Preact and
// the console's modules in one minified file) and assets/console.css. Its bytes are the console's, not the SDK's:
// the SDK's budget (test/sdk/size.test.ts) does not count them.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const outDir = 'dist/admin';

rmSync(outDir, { recursive: true, force: true });

export default {
	input: 'admin/src/main.ts',
	output: { file: `${outDir}/assets/console.js`, format: 'es' },
	plugins: [
		nodeResolve({ browser: true }),
		// A type error fails the build instead of scrolling past as a warning.
		typescript({ tsconfig: 'tsconfig.admin.json', noEmitOnError: true, outDir: `${outDir}/assets` }),
		terser({ ecma: 2020, module: true, compress: { passes: 2 }, format: { comments: false } }),
		{
			name: 'copy-page-and-styles',
			writeBundle() {
				mkdirSync(`${outDir}/assets`, { recursive: true });
				copyFileSync('admin/index.html', `${outDir}/index.html`);
				copyFileSync('admin/console.css', `${outDir}/assets/console.css`);
			},
		},
	],
};
