// What bin/wan.js runs, bundled into dist/cli/ by scripts/build-cli.mjs.
export { main } from './main.js';
export { systemIO } from './output/system-io.js';
