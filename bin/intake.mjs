#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (the generated Prisma client is TypeScript).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
