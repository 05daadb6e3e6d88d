import path from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPO_ROOT, repoPath } from '../repo-paths.js';

/** A file copied from the repository into the bundle, next to the handler (`/var/task` on Lambda). */
export interface BundledFile {
  /** Path relative to the repository root. */
  readonly from: string;
  /** File name inside the bundle. */
  readonly to: string;
}

export interface ProjectFunctionProps {
  /** Handler module relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  readonly bundledFiles?: readonly BundledFile[];
  readonly removalPolicy?: RemovalPolicy;
}

// None of these functions needs more than one full vCPU (1,769 MB) or more than a few minutes;
// a larger value is far more likely a typo than a need, and it is paid for on every invocation.
const MEMORY_MB = { min: 128, max: 1769 } as const;
const MAX_TIMEOUT_SECONDS = 300;

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

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    if (props.memorySize < MEMORY_MB.min || props.memorySize > MEMORY_MB.max) {
      throw new ProjectFunctionError(
        `${id}: memorySize must be ${MEMORY_MB.min}–${MEMORY_MB.max} MB, got ${props.memorySize}`,
      );
    }
    if (props.timeout.toSeconds() > MAX_TIMEOUT_SECONDS) {
      throw new ProjectFunctionError(`${id}: timeout must be at most ${MAX_TIMEOUT_SECONDS} s`);
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    const bundledFiles = props.bundledFiles ?? [];
    this.fn = new NodejsFunction(this, 'Function', {
      entry: repoPath(props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: repoPath('package-lock.json'),
      environment: {
        // Without it the source maps are in the bundle but stack traces still point into minified code.
        NODE_OPTIONS: '--enable-source-maps',
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
  }

  /** Grants access to the table and tells the function its name. */
  bindTable(table: ITable, access: 'read' | 'readWrite'): this {
    if (access === 'read') table.grantReadData(this.fn);
    else table.grantReadWriteData(this.fn);
    this.fn.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }

  /** Grants sending to the queue and tells the function its URL. */
  bindQueue(queue: IQueue): this {
    queue.grantSendMessages(this.fn);
    this.fn.addEnvironment('QUEUE_URL', queue.queueUrl);
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
