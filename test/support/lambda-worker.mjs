// A stand-in for the AWS Lambda Node.js 20 runtime, for one function: started with the
// function's unzipped code as its working directory (LAMBDA_TASK_ROOT) and the handler string
// from the CloudFormation template, it loads the handler as the runtime does — the module
// `<task root>/<path>` as `.js` (ES module when the nearest package.json says "type": "module"),
// `.mjs` or `.cjs`, its export `<name>` — and answers invocations: one JSON request per line
// on stdin ({ id, event, timeoutMs }), one JSON response per line on fd 3 ({ id, result } or
// { id, error }). The handler's own output (console, logs) stays on stdout/stderr. Plain
// JavaScript with Node built-ins only: nothing of the repository is loaded into the function.
import { existsSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [taskRoot, handlerString] = process.argv.slice(2);
const responses = createWriteStream(null, { fd: 3 });
const reply = (message) => responses.write(JSON.stringify(message) + '\n');

const dot = handlerString.lastIndexOf('.');
const [modulePath, exportName] = [handlerString.slice(0, dot), handlerString.slice(dot + 1)];
const file = ['.js', '.mjs', '.cjs'].map((ext) => join(taskRoot, modulePath + ext)).find((f) => existsSync(f));
try {
  if (dot <= 0 || !file) throw new Error(`Runtime.ImportModuleError: Cannot find module '${modulePath}' in ${taskRoot}`);
  const mod = await import(pathToFileURL(file).href);
  const handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(`Runtime.HandlerNotFound: ${modulePath}.${exportName} is undefined or not exported`);
  reply({ ready: true });
  createInterface({ input: process.stdin }).on('line', async (line) => {
    const { id, event, timeoutMs } = JSON.parse(line);
    const deadline = Date.now() + timeoutMs;
    const context = {
      awsRequestId: id,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      callbackWaitsForEmptyEventLoop: true,
    };
    try {
      reply({ id, result: (await handler(event, context)) ?? null });
    } catch (error) {
      reply({ id, error: error?.stack ?? String(error) });
    }
  });
} catch (error) {
  reply({ ready: false, error: error?.stack ?? String(error) });
  responses.end(() => process.exit(1));
}
