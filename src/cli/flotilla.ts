#!/usr/bin/env node
/** `flotilla submit …` and `flotilla start-cluster …`: see src/submit/. */
const { main } = await import('../submit/index.js');
process.exitCode = await main(process.argv.slice(2));
