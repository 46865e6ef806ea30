#!/usr/bin/env node
// Launcher for the TypeScript CLI (bin/tollgate.ts), run through tsx so `npx tollgate` and
// `npm start` work on a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./tollgate.ts');
