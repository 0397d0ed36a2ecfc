// The `intake` executable (bin/intake.mjs loads this): runs the CLI on this process's argv.
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2));
