import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createMailerStack } from '../../lib/mailer-app.js';
import type { MailerStack } from '../../lib/mailer-stack.js';

export const TEST_CONTEXT = { stage: 'test', senderEmail: 'campaigns@example.com' } as const;

/**
 * Synthesises the stack as `cdk synth` would, from context values. Bundling (esbuild over every
 * handler) is skipped unless asked for: it is checked once, and the other assertions are about the
 * template, not the code inside the assets.
 */
export function synthStack(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean; outdir?: string } = {},
): { stack: MailerStack; template: Template } {
  const app = new App({
    context: {
      ...TEST_CONTEXT,
      ...context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = createMailerStack(app);
  return { stack, template: Template.fromStack(stack) };
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

/** The actions the policies attached to a function's role allow, flattened. */
export function actionsOfFunction(template: Template, functionIdPart: string): string[] {
  const fn = resourceNamed(template, 'AWS::Lambda::Function', functionIdPart);
  const role = (fn.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((policy) =>
    ((policy.Properties?.Roles as { Ref: string }[]) ?? []).some((r) => r.Ref === role),
  );
  type Statement = { Action: string | string[] };
  return policies.flatMap((policy) => {
    const document = policy.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined;
    return (document?.Statement ?? []).flatMap((statement) =>
      Array.isArray(statement.Action) ? statement.Action : [statement.Action],
    );
  });
}
