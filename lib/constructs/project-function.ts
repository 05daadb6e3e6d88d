import path from 'node:path';
import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { entryOf, FUNCTIONS, type FunctionId } from '../../lambdas/contract/functions.js';
import { METRICS_NAMESPACE } from '../../lambdas/contract/metric-names.js';
import { SETTINGS } from '../../lambdas/contract/settings.js';
import { REPO_ROOT, repoPath } from '../repo-paths.js';

/**
 * The one runtime of every function: the newest Node.js Lambda offers. The scripts run on the same
 * major (the npm package `node` in devDependencies puts it first on every npm script's PATH, and a test
 * holds the two together), so the tests run on what is deployed. A move to a newer runtime is a
 * deliberate upgrade with its own test run.
 */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/** A file copied from the repository into the bundle, next to the handler (`/var/task` on Lambda). */
export interface BundledFile {
  /** Path relative to the repository root. */
  readonly from: string;
  /** File name inside the bundle. */
  readonly to: string;
}

export interface ProjectFunctionProps {
  /** Which function of the contract's FUNCTIONS: its entry, service name and timeout come from there. */
  readonly function: FunctionId;
  readonly description: string;
  readonly memorySize: number;
  readonly environment?: Record<string, string>;
  readonly bundledFiles?: readonly BundledFile[];
  readonly removalPolicy?: RemovalPolicy;
  /** Customer-managed key for the function's log group; CloudWatch Logs' own encryption without it. */
  readonly logEncryptionKey?: IKey;
}

// None of these functions needs more than one full vCPU (1,769 MB); a larger value is far more likely
// a typo than a need, and it is paid for on every invocation. Lambda's own 15-minute limit is the
// timeout's: only the writer, which hands a large file over to a continuation before it, goes beyond a
// few minutes.
const MEMORY_MB = { min: 128, max: 1769 } as const;
const MAX_TIMEOUT_SECONDS = 900;

export type TableAccess = 'read' | 'readWrite';

/**
 * What the functions do to the table, as IAM actions. Narrower than grantReadData/grantReadWriteData,
 * which also allow Scan (a bug in this design: every read is a Query on a key or an index), stream
 * reads (the table has no stream), DescribeTable and ConditionCheckItem (no transactions). A test
 * checks that every DynamoDB command the handlers use is covered.
 */
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: TABLE_READ_ACTIONS,
  readWrite: [
    ...TABLE_READ_ACTIONS,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
};

export class ProjectFunctionError extends Error {
  override readonly name = 'ProjectFunctionError';
}

/**
 * The project's defaults for every Lambda function, so that runtime, architecture, tracing, logs and
 * bundling cannot differ between functions or drift from what the tests check.
 */
export class ProjectFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  /** The function's own role: it starts with nothing but writing to its log group (and X-Ray). */
  readonly role: Role;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    if (props.memorySize < MEMORY_MB.min || props.memorySize > MEMORY_MB.max) {
      throw new ProjectFunctionError(
        `${id}: memorySize must be ${MEMORY_MB.min}–${MEMORY_MB.max} MB, got ${props.memorySize}`,
      );
    }
    const definition = FUNCTIONS[props.function];
    if (definition.timeoutSeconds > MAX_TIMEOUT_SECONDS) {
      throw new ProjectFunctionError(`${id}: timeout must be at most ${MAX_TIMEOUT_SECONDS} s`);
    }

    this.serviceName = definition.serviceName;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
    });

    // A role of our own instead of the default one with the AWS managed AWSLambdaBasicExecutionRole,
    // which may create and write to every log group in the account, not just this function's.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${definition.serviceName} function`,
    });
    this.logGroup.grantWrite(this.role);
    // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords to this role.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS requires Resource "*"; no other statement of this role uses "*" (checked by a test).',
    });

    const bundledFiles = props.bundledFiles ?? [];
    const fn = new NodejsFunction(this, 'Function', {
      entry: repoPath(entryOf(props.function)),
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      role: this.role,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: Duration.seconds(definition.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: repoPath('package-lock.json'),
      environment: {
        // Without it the source maps are in the bundle but stack traces still point into minified code.
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: definition.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // CommonJS dependencies bundled into ESM still call require(); ESM has none unless made.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // The runtime's built-in SDK changes version under us; bundling the locked one deploys what was tested.
        externalModules: [],
        forceDockerBundling: false,
        ...(bundledFiles.length > 0 ? { commandHooks: copyIntoBundle(bundledFiles) } : {}),
      },
    });
    this.fn = fn;
  }

  /** Grants access to the table (and its indexes) and tells the function its name. */
  bindTable(table: ITable, access: TableAccess): this {
    table.grant(this.fn, ...TABLE_ACTIONS[access]);
    this.fn.addEnvironment(SETTINGS.tableName.env, table.tableName);
    // The grant covers the table's indexes as `<table arn>/index/*`, named after the table's logical id.
    const cfnTable = table.node.defaultChild;
    if (!CfnElement.isCfnElement(cfnTable)) return this;
    const tableId = Stack.of(table).getLogicalId(cfnTable);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      reason:
        'Table.grant writes the index ARNs as <table arn>/index/*: it reaches the global secondary indexes of this one table only, which every query goes through. Naming each index would take a hand-written statement, which this project avoids in favour of grant methods; the actions themselves are narrowed (no Scan).',
    });
    return this;
  }

  /** Grants sending to a queue and tells the function its URL, in the send queue's setting or another. */
  bindQueue(
    queue: IQueue,
    setting:
      | typeof SETTINGS.queueUrl
      | typeof SETTINGS.priorityQueueUrl
      | typeof SETTINGS.writeQueueUrl = SETTINGS.queueUrl,
  ): this {
    queue.grantSendMessages(this.fn);
    this.fn.addEnvironment(setting.env, queue.queueUrl);
    return this;
  }
}

function copyIntoBundle(files: readonly BundledFile[]) {
  return {
    beforeBundling: (): string[] => [],
    beforeInstall: (): string[] => [],
    afterBundling: (inputDir: string, outputDir: string): string[] =>
      files.map(
        (file) =>
          `cp ${shellQuote(path.join(inputDir, file.from))} ${shellQuote(path.join(outputDir, file.to))}`,
      ),
  };
}

// Hooks run through a shell; quoting keeps a checkout path with spaces from splitting the command.
const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;
