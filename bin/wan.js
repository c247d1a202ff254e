#!/usr/bin/env node
import { main } from '../dist/main.js';
import { systemIO } from '../dist/output/system-io.js';

process.exitCode = await main(process.argv.slice(2), systemIO());
