/**
 * LocalStack's edge endpoint in miniature: one HTTP port in front of the embedded stack that
 * sends each AWS request to DynamoDB Local or kinesis-mock by its `X-Amz-Target` service, and
 * records what came — so code given only `AWS_ENDPOINT_URL` can be run, and shown to send every
 * call there, as it would to LocalStack.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EdgeRouter {
  url: string;
  /** `X-Amz-Target` of every request, in arrival order; `unrouted: …` for one it could not place. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const edge = await startEdgeRouter(localEndpoints());
 * // AWS_ENDPOINT_URL=edge.url
 * ```
 */
export async function startEdgeRouter(endpoints: { dynamodb: string; kinesis: string }): Promise<EdgeRouter> {
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const upstream = target.startsWith('DynamoDB_') ? endpoints.dynamodb : target.startsWith('Kinesis_') ? endpoints.kinesis : undefined;
    if (!upstream) {
      requests.push(`unrouted: ${req.method} ${req.url} ${target}`);
      res.writeHead(400).end('no such service here');
      return;
    }
    requests.push(target);
    const url = new URL(req.url ?? '/', upstream);
    const forward = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (error) => res.writeHead(502).end(String(error)));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
