#!/usr/bin/env node
// Runs the TypeScript CLI without a build step: tsx registers its loader, then the entry runs.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
