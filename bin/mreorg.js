#!/usr/bin/env node
// Runs the bundled CLI (see bin/bundle.mjs): no TypeScript compile and few files to load at start-up.
import '../dist/bundle/cli.js';
