#!/usr/bin/env node
// Runs the compiled CLI: no TypeScript compile at start-up.
import '../dist/cli.js';
