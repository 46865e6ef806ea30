import { policyCommand } from './bin/policy-command.ts';

const code = await policyCommand(process.argv.slice(2), process.env);
process.exit(code);
