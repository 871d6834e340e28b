/**
 * Every example job's CloudFormation template is valid against the CloudFormation resource
 * specification (`@aws-cdk/aws-service-spec`, the database the AWS CDK generates its L1 constructs
 * from; test/support/cfn-spec.ts): types exist, required properties are present, no unknown
 * property, value types (primitives, lists, maps, nested property types) and allowed values, and
 * every Ref/GetAtt names a resource and an attribute the spec gives its type. That covers eddy's own
 * resources (lib/plan/serverless.ts: streams, tables, roles) and Serverless's (functions and their
 * versions, log groups, event source mappings, the deployment bucket and its policy, the sweep's
 * EventBridge rule and permission) alike.
 *
 * Each job in functions/ is packaged once per stage, `dev` and `local` (LocalStack, through
 * serverless-localstack), two packagings at a time, each in a service directory of its own
 * (test/support/artifacts.ts `slsPackage`, shared with the other deploy tests: once per test run). A broken copy of a real template shows the
 * validator finds each kind of problem, so the test cannot pass vacuously.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { slsPackage } from '../../support/artifacts.ts';
import { CfnSpec, formatViolation, type Template } from '../../support/cfn-spec.ts';

const jobs = readdirSync('functions').filter((d) => existsSync(join('functions', d, 'job.ts')));
const stages = ['dev', 'local'] as const;
const CONCURRENCY = 2;
/** Cases `<job>/<stage>` whose template is known to violate the spec (lib/ to be fixed): they run as it.fails. */
const KNOWN_VIOLATIONS = new Set<string>([]);

const templates = new Map<string, Promise<Template>>();
const slsTemplate = async (job: string, stage: string) => (await slsPackage(job, stage)).template as Template;

/** Starts every packaging now, CONCURRENCY at a time, in the order of the tests; each test awaits its own. */
function packageAll(): void {
  const queue = jobs.flatMap((job) => stages.map((stage) => ({ job, stage })));
  const settle = new Map<string, { resolve: (t: Template) => void; reject: (e: unknown) => void }>();
  for (const { job, stage } of queue) {
    const p = new Promise<Template>((resolve, reject) => settle.set(`${job}/${stage}`, { resolve, reject }));
    p.catch(() => {}); // a failure is reported by the test that awaits it
    templates.set(`${job}/${stage}`, p);
  }
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const s = settle.get(`${next.job}/${next.stage}`)!;
      await slsTemplate(next.job, next.stage).then(s.resolve, s.reject);
    }
  };
  for (let i = 0; i < CONCURRENCY; i++) void worker();
}

let spec: CfnSpec;

beforeAll(async () => {
  packageAll();
  spec = await CfnSpec.load();
});


it('loads the CloudFormation resource specification', () => {
  expect(spec.resourceTypeCount).toBeGreaterThan(1000);
  for (const type of ['AWS::Lambda::Function', 'AWS::Kinesis::Stream', 'AWS::DynamoDB::Table', 'AWS::IAM::Role']) expect(spec.hasResourceType(type), type).toBe(true);
  expect(jobs.length).toBeGreaterThanOrEqual(7);
});

describe.each(jobs)('%s', (job) => {
  for (const stage of stages) {
    const key = `${job}/${stage}`;
    (KNOWN_VIOLATIONS.has(key) ? it.fails : it)(`${stage}: every resource of the template is valid against the spec`, async () => {
      const template = await templates.get(key)!;
      const violations = spec.validateTemplate(template).map((v) => `${key}: ${formatViolation(v)}`);
      expect(violations).toEqual([]);
    }, 600_000);
  }
});

describe('the validator', () => {
  let template: Template;
  beforeAll(async () => {
    template = await templates.get('order-timeout/dev')!;
  }, 600_000);

  it('validates Serverless resources as well as eddy’s', async () => {
    // A packaging that failed fails its own case above; the others still show the types.
    const all = (await Promise.allSettled([...templates.values()])).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const types = new Set(all.flatMap((t) => Object.values(t.Resources ?? {}).map((r) => (r as { Type: string }).Type)));
    expect([...types].sort()).toEqual(
      expect.arrayContaining([
        'AWS::DynamoDB::Table',
        'AWS::Events::Rule',
        'AWS::IAM::Role',
        'AWS::Kinesis::Stream',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Lambda::Function',
        'AWS::Lambda::Permission',
        'AWS::Lambda::Version',
        'AWS::Logs::LogGroup',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
      ]),
    );
    // None escapes the spec check as an unknown or custom type.
    for (const type of types) expect(spec.hasResourceType(type), type).toBe(true);
  }, 600_000);

  it('reports each kind of violation on a broken copy of a real template', () => {
    const broken = structuredClone(template) as any;
    const R = broken.Resources;
    const of = (type: string) => Object.keys(R).find((id) => R[id].Type === type)!;
    const fn = of('AWS::Lambda::Function');
    const stream = of('AWS::Kinesis::Stream');
    const table = of('AWS::DynamoDB::Table');
    const role = of('AWS::IAM::Role');
    const mapping = of('AWS::Lambda::EventSourceMapping');
    const logGroup = of('AWS::Logs::LogGroup');
    R[fn].Properties.MemorySizeMB = 512; // unknown property
    delete R[fn].Properties.Role; // missing required property
    R[fn].Properties.Timeout = '30'; // wrong primitive type: a string for an integer
    R[fn].Properties.Architectures = 'arm64'; // a scalar for a list
    R[fn].Properties.Environment.Variables.NESTED = { a: 1 }; // a map's value of the wrong type
    R[fn].Properties.MemorySize = { 'Fn::FindInMap': ['Sizes', 'memory', 'default'] }; // opaque: passes
    R[logGroup].Type = 'AWS::Logs::LogGroupp'; // unknown resource type
    R[stream].Properties.StreamEncryption.EncryptionType = 'AES256'; // not an allowed value
    R[stream].Properties.StreamEncryption.Rotate = true; // unknown property of a property type
    R[table].Properties.TimeToLiveSpecification = { AttributeName: 'expiresAt' }; // nested required property missing
    R[table].Properties.Tags = [{ Key: 'team', Value: 7 }]; // a tag's value of the wrong type
    R[role].Properties.Policies[0].PolicyName = ['x']; // a list in a nested string property
    R[mapping].Properties.BatchSize = { Ref: 'BatchSizeParameter' }; // a Ref to nothing
    R[mapping].Properties.EventSourceArn = { 'Fn::GetAtt': [stream, 'StreamArn'] }; // an attribute the type lacks
    const id = (logical: string) => `${logical} (${R[logical].Type})`;
    const expected = [
      `${id(fn)}.Properties.MemorySizeMB: unknown property (not a property of AWS::Lambda::Function)`,
      `${id(fn)}.Properties.Role: required property missing (AWS::Lambda::Function)`,
      `${id(fn)}.Properties.Timeout: expected an integer, got string "30"`,
      `${id(fn)}.Properties.Architectures: expected a list of string, got string "arm64"`,
      `${id(fn)}.Properties.Environment.Variables.NESTED: expected a string, got an object`,
      `${logGroup} (AWS::Logs::LogGroupp).Type: unknown resource type (not in the CloudFormation resource specification)`,
      `${id(stream)}.Properties.StreamEncryption.EncryptionType: "AES256" is not an allowed value (KMS)`,
      `${id(stream)}.Properties.StreamEncryption.Rotate: unknown property (not a property of AWS::Kinesis::Stream.StreamEncryption)`,
      `${id(table)}.Properties.TimeToLiveSpecification.Enabled: required property missing (AWS::DynamoDB::Table.TimeToLiveSpecification)`,
      `${id(table)}.Properties.Tags[0].Value: expected a string, got number 7`,
      `${id(role)}.Properties.Policies[0].PolicyName: expected a string, got a list`,
      `${id(mapping)}.Properties.BatchSize.Ref: Ref to BatchSizeParameter, which is no resource, parameter or pseudo parameter of the template`,
      `${id(mapping)}.Properties.EventSourceArn.Fn::GetAtt: Fn::GetAtt ${stream}.StreamArn: AWS::Kinesis::Stream has no attribute StreamArn`,
    ];
    const before = spec.validateTemplate(template).map(formatViolation);
    const after = spec.validateTemplate(broken).map(formatViolation);
    // Exactly the injected problems, on top of whatever the real template has.
    expect(after.filter((v) => !before.includes(v)).sort()).toEqual(expected.sort());
    // Strings for scalars pass when asked to accept what CloudFormation converts; "30x" never does.
    const lenient = spec.validateTemplate(broken, { coerce: true }).map(formatViolation);
    expect(lenient.some((v) => v.includes('.Properties.Timeout:'))).toBe(false);
    R[fn].Properties.Timeout = '30x';
    expect(spec.validateTemplate(broken, { coerce: true }).map(formatViolation)).toContain(`${id(fn)}.Properties.Timeout: expected an integer, got string "30x"`);
  });
});
