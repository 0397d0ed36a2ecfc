import { PGlite } from '@electric-sql/pglite';
const mu = () => { const m = process.memoryUsage(); return `rss ${m.rss>>20} heap ${m.heapUsed>>20} ext ${m.external>>20} ab ${m.arrayBuffers>>20}`; };
const m = new PGlite({ dataDir: process.argv[2] }); await m.waitReady; console.log('ready', mu());
globalThis.gc(); await new Promise(r => setTimeout(r, 500)); globalThis.gc(); console.log('after gc', mu());
await m.query('select 1'); console.log('q', mu());
