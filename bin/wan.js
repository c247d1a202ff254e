#!/usr/bin/env node
import { main, systemIO } from '../dist/cli/cli.js';

process.exitCode = await main(process.argv.slice(2), systemIO());
