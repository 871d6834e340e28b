/**
 * IAM policy evaluation for the deployed-artifact tests: the statements of a function's role in
 * a packaged CloudFormation template, with `Fn::GetAtt` ARNs of its streams, tables and log
 * groups resolved, and each recorded AWS call (lib/aws/call-log.ts) evaluated against them as
 * IAM does for identity policies without conditions — an explicit Deny wins, else an Allow whose
 * action and resource patterns (`*` and `?` wildcards, actions case-insensitive) match.
 */
import type { AwsCall } from '../../lib/aws/call-log.ts';
import type { Template } from './artifacts.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
}

/** The ARN a call on a table or stream needs, by its name in the template (without the run's prefix). */
export function resourceArn(r: AwsCall['resources'][number]): string {
  return r.type === 'table' ? `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${r.name}` : `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${r.name}`;
}

/** A policy's Resource value as an ARN pattern: strings as they are, `Fn::GetAtt [id, Arn]` of the template's streams, tables and log groups. */
export function resolveArn(value: unknown, template: Template): string {
  if (typeof value === 'string') return value;
  const getAtt = (value as any)?.['Fn::GetAtt'];
  if (!Array.isArray(getAtt) || getAtt[1] !== 'Arn') throw new Error(`cannot resolve the policy resource ${JSON.stringify(value)}`);
  const r = template.Resources[getAtt[0]];
  if (!r) throw new Error(`the policy names ${getAtt[0]}, which the template does not have`);
  if (r.Type === 'AWS::Kinesis::Stream') return resourceArn({ type: 'stream', name: r.Properties.Name });
  if (r.Type === 'AWS::DynamoDB::Table') return resourceArn({ type: 'table', name: r.Properties.TableName });
  if (r.Type === 'AWS::Logs::LogGroup') return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${r.Properties.LogGroupName}:*`;
  throw new Error(`cannot resolve the ARN of ${getAtt[0]} (${r.Type})`);
}

/** The statements of the role a function of the template runs with (its `Role`, a GetAtt of an `AWS::IAM::Role`). */
export function functionStatements(template: Template, functionName: string): Statement[] {
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === functionName);
  if (!fn) throw new Error(`no function ${functionName} in the template`);
  const roleId = fn.Properties.Role?.['Fn::GetAtt']?.[0];
  const role = template.Resources[roleId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`function ${functionName} has no role of the template (${JSON.stringify(fn.Properties.Role)})`);
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  return (role.Properties.Policies ?? []).flatMap((p: any) =>
    list(p.PolicyDocument.Statement).map((s: any) => ({ Effect: s.Effect, Action: list(s.Action), Resource: list(s.Resource).map((r) => resolveArn(r, template)) })),
  );
}

function matches(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = new RegExp(`^${pattern.split(/([*?])/).map((part) => (part === '*' ? '.*' : part === '?' ? '.' : part.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`, ignoreCase ? 'i' : '');
  return regex.test(value);
}

/**
 * Whether the statements allow `action` (`dynamodb:Query`) on `arn` (`*` for a call that names no resource).
 *
 * @example
 * ```ts
 * isAllowed([{ Effect: 'Allow', Action: ['kinesis:*'], Resource: ['arn:aws:kinesis:*'] }], 'kinesis:PutRecords', 'arn:aws:kinesis:us-east-1:1:stream/s'); // true
 * ```
 */
export function isAllowed(statements: Statement[], action: string, arn: string): boolean {
  const applies = (s: Statement) => s.Action.some((a) => matches(a, action, true)) && s.Resource.some((r) => matches(r, arn));
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s));
}

/**
 * Each call against the statements: the calls IAM would deny, and the (action, resource) grants
 * no call used (`logs:` grants left out: the Lambda runtime writes the logs, not the function's code).
 */
export function evaluateCalls(calls: AwsCall[], statements: Statement[], prefix: string): { denied: string[]; unused: string[] } {
  const denied = new Set<string>();
  const used = new Set<string>();
  for (const call of calls) {
    const action = `${call.service}:${call.action}`;
    const arns = call.resources.length > 0 ? call.resources.map((r) => resourceArn({ ...r, name: r.name.startsWith(prefix) ? r.name.slice(prefix.length) : r.name })) : ['*'];
    for (const arn of arns) {
      if (!isAllowed(statements, action, arn)) denied.add(`${action} ${arn}`);
      for (const s of statements) if (s.Effect === 'Allow') for (const a of s.Action) for (const r of s.Resource) if (matches(a, action, true) && matches(r, arn)) used.add(`${a} ${r}`);
    }
  }
  const unused = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action.flatMap((a) => s.Resource.map((r) => `${a} ${r}`))).filter((g) => !used.has(g) && !g.startsWith('logs:'));
  return { denied: [...denied].sort(), unused: [...new Set(unused)].sort() };
}
