// The `tollgate` CLI: `start` runs the local gateway; `token` mints a development token; `policy`
// and `connection` publish versions of the policy set and of the connection list; `classify`
// proposes a connection's classification. The grammar is in cli-program.ts, on commander.
import './quiet-warnings.js';
import { cliContext, processIo, runCli } from './cli-kit.js';
import { buildProgram } from './cli-program.js';

const ctx = cliContext(process.env, processIo);
const code = await runCli(buildProgram(ctx), process.argv.slice(2), ctx);
// Explicit: a command's stand-ins (dynalite, PGlite) can leave handles that would keep Node alive.
process.exit(code);
