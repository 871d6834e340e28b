/** The `eddy` command line. */
import { Command } from 'commander';
import { describePlan } from '../plan/describe.ts';
import { planJob } from '../plan/planner.ts';
import { planWarnings } from '../plan/warnings.ts';
import { toServerless } from '../plan/serverless.ts';
import { initCommand } from './init-command.ts';
import { loadJob } from './load-job.ts';
import { replayCommand } from './replay-command.ts';
import { feedCommand } from './feed-command.ts';
import { runCommand } from './run-command.ts';
import { stackCommand } from './stack-command.ts';
import { registerDlqCommands } from './dlq-command.ts';
import { registerCostCommand } from './cost-command.ts';
import { registerOperateCommands } from './operate-commands.ts';
import { planToDot, planToMermaid } from '../plan/diagram.ts';
import { DEFAULT_DATA_DIR } from './target.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
/** `eddy plan --format`; `serverless` is what the Serverless plugin derives (JSON only on stdout). */
const PLAN_FORMATS = ['text', 'json', 'mermaid', 'dot', 'serverless'];

export function buildCli(): Command {
  const program = new Command('eddy').description('Flink-style stateful stream processing on AWS Lambda, Kinesis and DynamoDB').showHelpAfterError();

  program
    .command('init <dir>')
    .description('write a new project into <dir>: package.json depending on eddy, an example job and its tests, a sample input, serverless.yml, README')
    .option('--eddy <spec>', 'the dependency spec of eddy in package.json (default: this version; e.g. file:../eddy-0.1.0.tgz)')
    .action(async (dir: string, opts: { eddy?: string }) => {
      const files = await initCommand(dir, opts);
      console.log(`eddy: wrote ${files.length} files into ${dir}: ${files.join(', ')}`);
      console.log(`next:\n  cd ${dir}\n  npm install\n  npm test\n  npx eddy replay jobs/page-views.ts --input clicks=events/clicks.jsonl --out out`);
    });

  program
    .command('plan <job>')
    .description('print the stages, operator chains and resources a job is planned into')
    .option('--format <format>', 'text, json, mermaid, dot (Graphviz), or serverless (functions and resources for serverless.yml)', 'text')
    .action(async (name: string, opts: { format: string }) => {
      if (!PLAN_FORMATS.includes(opts.format)) throw new Error(`--format takes ${PLAN_FORMATS.join(', ')}, got "${opts.format}"`);
      const { job } = await loadJob(name);
      const plan = planJob(job.graph);
      for (const warning of planWarnings(plan)) console.error(`warning: ${warning}`);
      if (opts.format === 'serverless') console.log(JSON.stringify(toServerless(plan), null, 2));
      else if (opts.format === 'mermaid') console.log(planToMermaid(plan, job.graph));
      else if (opts.format === 'dot') console.log(planToDot(plan, job.graph));
      else console.log(opts.format === 'json' ? JSON.stringify(plan, null, 2) : describePlan(plan, job.graph));
    });

  program
    .command('replay <job>')
    .description('run a job over JSON Lines files to the end of input (on the embedded stack, or --engine memory); write <out>/<sink>.jsonl and dead-letter.jsonl')
    .requiredOption('--input <source=file>', 'a source and its JSON Lines file (repeatable)', collect, [])
    .requiredOption('--out <dir>', 'directory for the sink files')
    .option('--quiet', 'print nothing but errors')
    .option('--chaos <probability>', 'crash and retry at random points of the batch lifecycle; results must not change')
    .option('--seed <n>', 'seed of --chaos', '1')
    .option('--batch-size <n>', "records per invocation at most (default: the job's batchSize, 1000); smaller batches give --chaos more batch boundaries to strike")
    .option('--engine <engine>', 'stack: the embedded DynamoDB Local and kinesis-mock (what eddy run uses; needs Java); memory: the same stages on an in-memory store and streams, same files, much faster', 'stack')
    .action((name: string, opts) => replayCommand(name, opts));

  program
    .command('run <job>')
    .description('run a job live on the local stack of the data dir (started in the background if needed, left running), or LocalStack / AWS endpoints; resumes from the checkpoints')
    .option('--data-dir <dir>', 'the local stack keeps its streams and tables here', DEFAULT_DATA_DIR)
    .option('--out <dir>', 'sinks append <dir>/<sink>.jsonl, each output exactly once (default: <data-dir>/out)')
    .option('--until-idle', 'exit once every shard is read to its end and nothing is in flight')
    .option('--drain', 'first write end-of-input markers (every timer fires, as in replay); exit once every stage has processed them. Terminal: the watermark stays at its end, so records fed afterwards are late')
    .option('--generate', "feed the job's synthetic generator (functions/<job>/live.ts)")
    .option('--status-every <seconds>', 'print stage status this often', '5')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .action((name: string, opts) => runCommand(name, opts));

  program
    .command('feed <job>')
    .description("write JSON Lines files into the job's source streams on the local stack of the data dir (started if needed), then exit")
    .requiredOption('--input <source=file>', 'a source and its JSON Lines file (repeatable)', collect, [])
    .option('--data-dir <dir>', 'the local stack keeps its streams and tables here', DEFAULT_DATA_DIR)
    .action((name: string, opts) => feedCommand(name, opts));

  const stack = program.command('stack').description('the persistent local stack (DynamoDB Local + kinesis-mock) of a data dir, as a background service');
  for (const [action, description] of [
    ['start', 'start it in the background (no-op when running); prints its endpoints'],
    ['stop', 'stop it (SIGTERM: the emulators flush to disk) and wait until it is gone'],
    ['status', 'print whether the service runs, each emulator (running, restarting, down) and the endpoints (exit code 1 when an emulator does not answer, 3 when no service runs)'],
  ] as const) {
    stack
      .command(action)
      .description(description)
      .option('--data-dir <dir>', 'data dir of the stack', DEFAULT_DATA_DIR)
      .action((opts: { dataDir: string }) => stackCommand(action, opts));
  }

  registerOperateCommands(program);
  registerDlqCommands(program);
  registerCostCommand(program);
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
