/**
 * A small CloudFormation template validator over the CloudFormation resource specification as the
 * AWS CDK ships it today: `@aws-cdk/aws-service-spec` (db.json.gz, the database `cdk` generates its L1
 * constructs from, rebuilt from the CloudFormation registry schemas and the classic resource
 * specification; released several times a week). `loadAwsServiceSpec()` returns it as a
 * `SpecDatabase`: resources by `cloudFormationType`, each with its properties (required flag, type),
 * attributes (what `Fn::GetAtt` may read) and its property types as `typeDefinition` entities.
 *
 * For every resource of a template it checks:
 * - the resource's keys (Type, Properties, DependsOn, DeletionPolicy, …) and their values;
 * - that the type exists (`Custom::*` and AWS::CloudFormation::CustomResource need a ServiceToken,
 *   the rest of their properties are free);
 * - required properties present, no unknown property, at every level of nested property types;
 * - value types: primitives (string, integer, number, boolean, json, date-time), lists, maps, tags,
 *   nested property types and unions of them, and allowed values where the spec lists them;
 * - references: a `Ref`, `Fn::GetAtt` or `${…}` of `Fn::Sub` names a resource, parameter or pseudo
 *   parameter of the template, a `Fn::GetAtt` an attribute the spec gives the resource type, and
 *   DependsOn names resources (Outputs are checked for references too).
 * An intrinsic function (an object whose single key is `Ref` or `Fn::…`) is opaque: it passes any
 * type check, only the references in it are checked.
 *
 * Scalars are checked strictly by default: the template is JSON generated from JavaScript values, so
 * `"512"` where the spec says integer is a generator bug even though CloudFormation would convert it.
 * `{ coerce: true }` accepts what CloudFormation converts (numbers and booleans as strings, numeric
 * strings as numbers, "true"/"false" as booleans), as cfn-lint does without --strict.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

/** The spec's property types (`@aws-cdk/service-spec-types`, common.ts), structurally. */
type SpecType =
  | { type: 'string'; allowedValues?: string[] }
  | { type: 'integer'; allowedValues?: number[] }
  | { type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] };
type SpecProperty = { required?: boolean; type: SpecType; deprecated?: string };
type SpecProperties = Record<string, SpecProperty>;

export type Violation = {
  logicalId: string;
  /** The resource's Type as written (`Output` for an entry of Outputs). */
  type: string;
  /** Where in the resource, e.g. `Properties.Policies[0].PolicyName`. */
  path: string;
  problem: string;
};

export type ValidateOptions = { coerce?: boolean };

export type Template = {
  Resources?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
};

/** `<LogicalId> (<Type>).<path>: <problem>` */
export function formatViolation(v: Violation): string {
  return `${v.logicalId} (${v.type}).${v.path}: ${v.problem}`;
}

const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Metadata', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'CreationPolicy', 'UpdatePolicy']);
const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];
const UPDATE_REPLACE_POLICIES = ['Delete', 'Retain', 'Snapshot'];
const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An intrinsic function: an object with the single key `Ref` or `Fn::…`. */
export function isIntrinsic(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

export class CfnSpec {
  private readonly resources = new Map<string, { properties: SpecProperties; attributes: Set<string> }>();

  private constructor(private readonly db: SpecDatabase) {
    for (const r of db.all('resource')) {
      this.resources.set(r.cloudFormationType, { properties: r.properties as unknown as SpecProperties, attributes: new Set(Object.keys(r.attributes)) });
    }
  }

  static async load(): Promise<CfnSpec> {
    return new CfnSpec(await loadAwsServiceSpec());
  }

  /** How many resource types the spec knows (a sanity check that it loaded). */
  get resourceTypeCount(): number {
    return this.resources.size;
  }

  hasResourceType(type: string): boolean {
    return this.resources.has(type);
  }

  /** Every violation in the template's resources (and the references of its outputs). */
  validateTemplate(template: Template, options: ValidateOptions = {}): Violation[] {
    const out: Violation[] = [];
    const resources = isObject(template.Resources) ? template.Resources : {};
    if (!isObject(template.Resources) || Object.keys(resources).length === 0) {
      out.push({ logicalId: '(template)', type: 'Template', path: 'Resources', problem: 'the template has no resources' });
    }
    const names = { resources, parameters: isObject(template.Parameters) ? template.Parameters : {}, conditions: isObject(template.Conditions) ? template.Conditions : {} };
    for (const [logicalId, resource] of Object.entries(resources)) {
      new ResourceCheck(this, this.db, names, logicalId, resource, options, out).run();
    }
    for (const [name, output] of Object.entries(isObject(template.Outputs) ? template.Outputs : {})) {
      new ResourceCheck(this, this.db, names, name, undefined, options, out, 'Output').references(output, '');
    }
    return out;
  }

  /** @internal */
  resource(type: string) {
    return this.resources.get(type);
  }
}

type Names = { resources: Record<string, unknown>; parameters: Record<string, unknown>; conditions: Record<string, unknown> };

class ResourceCheck {
  private readonly type: string;

  constructor(
    private readonly spec: CfnSpec,
    private readonly db: SpecDatabase,
    private readonly names: Names,
    private readonly logicalId: string,
    private readonly resource: unknown,
    private readonly options: ValidateOptions,
    private readonly out: Violation[],
    typeLabel?: string,
  ) {
    this.type = typeLabel ?? (isObject(resource) && typeof resource.Type === 'string' ? resource.Type : '?');
  }

  private report(path: string, problem: string): void {
    this.out.push({ logicalId: this.logicalId, type: this.type, path, problem });
  }

  run(): void {
    const r = this.resource;
    if (!isObject(r)) return this.report('', `a resource must be an object, got ${describeValue(r)}`);
    for (const key of Object.keys(r)) if (!RESOURCE_KEYS.has(key)) this.report(key, 'unknown resource attribute');
    if (typeof r.Type !== 'string') return this.report('Type', r.Type === undefined ? 'missing' : `expected a string, got ${describeValue(r.Type)}`);
    this.dependsOn(r.DependsOn);
    if (r.DeletionPolicy !== undefined) this.policy('DeletionPolicy', r.DeletionPolicy, DELETION_POLICIES);
    if (r.UpdateReplacePolicy !== undefined) this.policy('UpdateReplacePolicy', r.UpdateReplacePolicy, UPDATE_REPLACE_POLICIES);
    if (r.Condition !== undefined && (typeof r.Condition !== 'string' || !(r.Condition in this.names.conditions))) {
      this.report('Condition', `not a condition of the template: ${JSON.stringify(r.Condition)}`);
    }
    if (r.Properties !== undefined && !isObject(r.Properties)) return this.report('Properties', `expected an object, got ${describeValue(r.Properties)}`);
    const props = (r.Properties ?? {}) as Record<string, unknown>;
    this.references(props, 'Properties');

    if (r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource') {
      if (props.ServiceToken === undefined) this.report('Properties.ServiceToken', 'required property missing');
      else this.value(props.ServiceToken, { type: 'string' }, 'Properties.ServiceToken');
      return;
    }
    const def = this.spec.resource(r.Type);
    if (!def) return this.report('Type', 'unknown resource type (not in the CloudFormation resource specification)');
    this.object(props, def.properties, 'Properties', r.Type);
  }

  private policy(key: string, value: unknown, allowed: string[]): void {
    if (typeof value !== 'string' || !allowed.includes(value)) this.report(key, `${describeValue(value)} is not one of ${allowed.join(', ')}`);
  }

  private dependsOn(value: unknown): void {
    if (value === undefined) return;
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list)) return this.report('DependsOn', `expected a string or a list of strings, got ${describeValue(value)}`);
    list.forEach((d, i) => {
      if (typeof d !== 'string') this.report(`DependsOn[${i}]`, `expected a string, got ${describeValue(d)}`);
      else if (d === this.logicalId) this.report(`DependsOn[${i}]`, 'a resource cannot depend on itself');
      else if (!(d in this.names.resources)) this.report(`DependsOn[${i}]`, `not a resource of the template: ${d}`);
    });
  }

  /** The properties of a resource or of a property type: unknown keys, required keys, each value. */
  private object(value: Record<string, unknown>, properties: SpecProperties, path: string, owner: string): void {
    for (const [key, v] of Object.entries(value)) {
      const p = properties[key];
      if (!p || p.deprecated === 'IGNORE') this.report(join(path, key), `unknown property (not a property of ${owner})`);
      else this.value(v, p.type, join(path, key), `${owner}.${key}`);
    }
    for (const [key, p] of Object.entries(properties)) {
      if (p.required && value[key] === undefined) this.report(join(path, key), `required property missing (${owner})`);
    }
  }

  /** Checks a value against a spec type; reports at `path`. */
  private value(v: unknown, type: SpecType, path: string, owner = ''): void {
    const problems = this.problems(v, type, path, owner);
    for (const [p, problem] of problems) this.report(p, problem);
  }

  /** The problems of a value against a type, without reporting them (unions try each member). */
  private problems(v: unknown, type: SpecType, path: string, owner: string): Array<[string, string]> {
    if (isIntrinsic(v)) return [];
    const coerce = this.options.coerce === true;
    const expected = (what: string): Array<[string, string]> => [[path, `expected ${what}, got ${describeValue(v)}`]];
    const allowed = (values: Array<string | number> | undefined, actual: string | number): Array<[string, string]> =>
      values && values.length > 0 && !values.some((a) => String(a) === String(actual)) ? [[path, `${JSON.stringify(actual)} is not an allowed value (${values.join(', ')})`]] : [];
    switch (type.type) {
      case 'string':
        if (typeof v === 'string') return allowed(type.allowedValues, v);
        if (coerce && (typeof v === 'number' || typeof v === 'boolean')) return allowed(type.allowedValues, String(v));
        return expected('a string');
      case 'integer':
        if (typeof v === 'number' && Number.isInteger(v)) return allowed(type.allowedValues, v);
        if (coerce && typeof v === 'string' && /^-?\d+$/.test(v.trim())) return allowed(type.allowedValues, Number(v));
        return expected('an integer');
      case 'number':
        if (typeof v === 'number' && Number.isFinite(v)) return [];
        if (coerce && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return [];
        return expected('a number');
      case 'boolean':
        if (typeof v === 'boolean') return [];
        if (coerce && typeof v === 'string' && /^(true|false)$/i.test(v)) return [];
        return expected('a boolean');
      case 'json':
        if (isObject(v)) return [];
        if (coerce && typeof v === 'string') return [];
        return expected('a JSON object');
      case 'date-time':
        if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return [];
        return expected('a date-time string');
      case 'null':
        return v === null ? [] : expected('null');
      case 'tag':
        return this.nested(v, { Key: { required: true, type: { type: 'string' } }, Value: { required: true, type: { type: 'string' } } }, path, 'Tag');
      case 'ref': {
        const def = this.db.get('typeDefinition', type.reference.$ref) as { name: string; properties: SpecProperties };
        return this.nested(v, def.properties, path, owner || def.name);
      }
      case 'array':
        if (!Array.isArray(v)) return expected(`a list of ${describeType(this.db, type.element)}`);
        return v.flatMap((e, i) => this.problems(e, type.element, `${path}[${i}]`, owner));
      case 'map':
        if (!isObject(v)) return expected(`a map of ${describeType(this.db, type.element)}`);
        return Object.entries(v).flatMap(([k, e]) => this.problems(e, type.element, join(path, k), owner));
      case 'union': {
        const tries = type.types.map((t) => this.problems(v, t, path, owner));
        if (tries.some((p) => p.length === 0)) return [];
        // Only one member has the value's shape (object, list or scalar): its problems are the precise ones.
        const shaped = type.types.map((t, i) => [t, tries[i]] as const).filter(([t]) => shapeOf(this.db, t).includes(shapeOfValue(v)));
        if (shaped.length === 1) return shaped[0][1];
        return expected(type.types.map((t) => describeType(this.db, t)).join(' or '));
      }
    }
  }

  /** A property type's object: unknown keys, required keys, each value (as problems). */
  private nested(v: unknown, properties: SpecProperties, path: string, owner: string): Array<[string, string]> {
    if (!isObject(v)) return [[path, `expected an object (${owner}), got ${describeValue(v)}`]];
    const saved = this.out.length;
    this.object(v, properties, path, owner);
    const found = this.out.splice(saved).map((x) => [x.path, x.problem] as [string, string]);
    return found;
  }

  /** Every Ref, Fn::GetAtt and Fn::Sub reference under a value names something the template has. */
  references(v: unknown, path: string): void {
    if (Array.isArray(v)) return v.forEach((e, i) => this.references(e, `${path}[${i}]`));
    if (!isObject(v)) return;
    if (isIntrinsic(v)) {
      const [fn, arg] = Object.entries(v)[0];
      if (fn === 'Ref') {
        if (typeof arg !== 'string') this.report(join(path, 'Ref'), `expected a logical id, got ${describeValue(arg)}`);
        else this.target(arg, undefined, join(path, 'Ref'));
        return;
      }
      if (fn === 'Fn::GetAtt') {
        const parts = typeof arg === 'string' ? (arg.includes('.') ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)] : [arg]) : arg;
        if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string') return this.report(join(path, fn), `expected [logicalId, attribute], got ${JSON.stringify(arg)}`);
        if (typeof parts[1] === 'string') this.target(parts[0], parts[1], join(path, fn));
        else this.references(parts[1], join(path, fn));
        return;
      }
      if (fn === 'Fn::Sub') {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [undefined, {}];
        if (typeof text !== 'string') return this.report(join(path, fn), `expected a string or [string, variables], got ${JSON.stringify(arg)}`);
        for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = m[1].trim();
          if (isObject(vars) && name in vars) continue;
          const dot = name.indexOf('.');
          if (dot < 0 || name.startsWith('AWS::')) this.target(name, undefined, join(path, fn));
          else this.target(name.slice(0, dot), name.slice(dot + 1), join(path, fn));
        }
        if (isObject(vars)) this.references(vars, join(path, fn));
        return;
      }
      return this.references(arg, join(path, fn));
    }
    for (const [k, e] of Object.entries(v)) this.references(e, join(path, k));
  }

  private target(name: string, attribute: string | undefined, path: string): void {
    if (attribute === undefined) {
      if (!(name in this.names.resources) && !(name in this.names.parameters) && !PSEUDO_PARAMETERS.has(name)) {
        this.report(path, `Ref to ${name}, which is no resource, parameter or pseudo parameter of the template`);
      }
      return;
    }
    const target = this.names.resources[name];
    if (!isObject(target)) return this.report(path, `Fn::GetAtt of ${name}, which is no resource of the template`);
    const type = String(target.Type);
    const def = this.spec.resource(type);
    if (def && !def.attributes.has(attribute)) this.report(path, `Fn::GetAtt ${name}.${attribute}: ${type} has no attribute ${attribute}`);
  }
}

type Shape = 'object' | 'list' | 'scalar' | 'null';
function shapeOfValue(v: unknown): Shape {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'object' : 'scalar';
}
function shapeOf(db: SpecDatabase, t: SpecType): Shape[] {
  switch (t.type) {
    case 'array':
      return ['list'];
    case 'map':
    case 'ref':
    case 'tag':
    case 'json':
      return ['object'];
    case 'null':
      return ['null'];
    case 'union':
      return t.types.flatMap((m) => shapeOf(db, m));
    default:
      return ['scalar'];
  }
}

function describeType(db: SpecDatabase, t: SpecType): string {
  switch (t.type) {
    case 'ref':
      return (db.get('typeDefinition', t.reference.$ref) as { name: string }).name;
    case 'array':
      return `List<${describeType(db, t.element)}>`;
    case 'map':
      return `Map<${describeType(db, t.element)}>`;
    case 'union':
      return t.types.map((m) => describeType(db, m)).join(' | ');
    default:
      return t.type;
  }
}
