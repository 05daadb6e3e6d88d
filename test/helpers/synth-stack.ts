import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { createMailerStack } from '../../lib/mailer-app.js';
import type { MailerStack } from '../../lib/mailer-stack.js';

export const TEST_CONTEXT = { stage: 'test', senderEmail: 'campaigns@example.com' } as const;

/**
 * Synthesises the stack as `cdk synth` would, from context values, cdk-nag included. Bundling (esbuild
 * over every handler) is skipped unless asked for: it is checked once, and the other assertions are
 * about the template, not the code inside the assets.
 */
export function synthStack(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean; outdir?: string } = {},
): { app: App; stack: MailerStack; template: Template } {
  const app = buildApp(context, options);
  const stack = createMailerStack(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The app with its context, before the stack is added (to add to it before synthesis). */
export function buildApp(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean; outdir?: string } = {},
): App {
  return new App({
    context: {
      ...TEST_CONTEXT,
      ...context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The single resource of a type whose logical id contains `idPart`, with its logical id. */
export function resourceNamed(template: Template, type: string, idPart: string) {
  const matches = Object.entries(template.findResources(type) as Resources).filter(([id]) =>
    id.includes(idPart),
  );
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} with "${idPart}" in its id, found ${matches.map(([id]) => id)}`);
  }
  const [id, resource] = matches[0] as [string, Resources[string]];
  return { id, properties: resource.Properties ?? {} };
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The statements of the policies attached to a function's role. */
export function statementsOfFunction(template: Template, functionIdPart: string): PolicyStatementJson[] {
  const fn = resourceNamed(template, 'AWS::Lambda::Function', functionIdPart);
  const role = (fn.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((policy) =>
    ((policy.Properties?.Roles as { Ref: string }[]) ?? []).some((r) => r.Ref === role),
  );
  return policies.flatMap(
    (policy) =>
      (policy.Properties?.PolicyDocument as { Statement?: PolicyStatementJson[] } | undefined)?.Statement ??
      [],
  );
}

/** The actions the policies attached to a function's role allow, flattened. */
export function actionsOfFunction(template: Template, functionIdPart: string): string[] {
  return statementsOfFunction(template, functionIdPart).flatMap((statement) =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action],
  );
}

export interface NagFinding {
  /** e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly rule: string;
  readonly severity: string;
  /** Construct path of the CloudFormation resource that has it. */
  readonly path: string;
}

/**
 * Runs the cdk-nag AwsSolutions pack over an app's construct tree, the way the synth's validation
 * plugin does. With `ignoreAcknowledgements`, every finding is returned, acknowledged or not: cdk-nag
 * 3 has no public switch for that, so its private check is replaced on this one instance.
 */
export function nagFindings(app: App, options: { ignoreAcknowledgements?: boolean } = {}): NagFinding[] {
  const pack = new AwsSolutionsChecks();
  if (options.ignoreAcknowledgements) {
    if (typeof (pack as unknown as { isAcknowledged?: unknown }).isAcknowledged !== 'function') {
      throw new Error('cdk-nag no longer has NagPack.isAcknowledged: update nagFindings');
    }
    Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  }
  return pack.validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      severity: violation.severity ?? 'error',
      path: resource.constructPath ?? '',
    })),
  );
}

export interface Acknowledgement {
  readonly rule: string;
  readonly reason: string;
  /** Construct path it was recorded on; it covers that construct and everything below it. */
  readonly path: string;
}

/** Every `Validations.of(x).acknowledge(...)` recorded in the tree. */
export function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          rule: id.replace(/^annotation::/i, ''),
          reason,
          path: construct.node.path,
        })),
      ),
  );
}
