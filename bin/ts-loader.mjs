// `node --import ./bin/ts-loader.mjs file.ts`: registers bin/ts-hooks.mjs (TypeScript through esbuild).
import { register } from 'node:module';
import process from 'node:process';

process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url);
