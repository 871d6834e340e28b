/** The `eddy` command line. */
import { Command } from 'commander';
import { describePlan } from '../plan/describe.ts';
import { planJob } from '../plan/planner.ts';
import { toServerless } from '../plan/serverless.ts';
import { loadJob } from './load-job.ts';
import { replayCommand } from './replay-command.ts';
import { runCommand } from './run-command.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

export function buildCli(): Command {
  const program = new Command('eddy').description('Flink-style stateful stream processing on AWS Lambda, Kinesis and DynamoDB').showHelpAfterError();

  program
    .command('plan <job>')
    .description('print the stages, operator chains and resources a job is planned into')
    .option('--format <format>', 'text, json, or serverless (functions and resources for serverless.yml)', 'text')
    .action(async (name: string, opts: { format: string }) => {
      const { job } = await loadJob(name);
      const plan = planJob(job.graph);
      if (opts.format === 'serverless') console.log(JSON.stringify(toServerless(plan, `dist/${plan.job}/handler`), null, 2));
      else console.log(opts.format === 'json' ? JSON.stringify(plan, null, 2) : describePlan(plan, job.graph));
    });

  program
    .command('replay <job>')
    .description('run a job over JSON Lines files to the end of input on the embedded stack; write <out>/<sink>.jsonl and dead-letter.jsonl')
    .requiredOption('--input <source=file>', 'a source and its JSON Lines file (repeatable)', collect, [])
    .requiredOption('--out <dir>', 'directory for the sink files')
    .option('--quiet', 'print nothing but errors')
    .action((name: string, opts) => replayCommand(name, opts));

  program
    .command('run <job>')
    .description('run a job live on the embedded local stack (or LocalStack / AWS endpoints), with the sweep')
    .option('--data-dir <dir>', 'keep the local streams and tables here (persistent)')
    .option('--out <dir>', 'sinks write <dir>/<sink>.jsonl', '.eddy/out')
    .option('--generate', "feed the job's synthetic generator (functions/<job>/live.ts)")
    .option('--status-every <seconds>', 'print stage status this often', '5')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .action((name: string, opts) => runCommand(name, opts));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    console.error(`eddy: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
