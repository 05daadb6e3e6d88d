/**
 * The layer rules of the code (docs/architecture.md explains them). `npm test` runs
 * `npm run lint:layers`, which fails on any violation; test/infra/layer-rules.test.ts shows that each
 * rule does catch what it forbids.
 *
 * - lambdas/contract/  side-effect-free definitions shared by everyone; imports nothing else of ours
 * - lambdas/core/      code several functions share; domain/ is plain TypeScript, store/ owns DynamoDB
 * - lambdas/<function>/  one deployed function: its entry, its handler, the logic only it uses
 * - lib/ bin/          the CDK app: the contract only, never a handler
 * - local/             the runner behind `npm start`: the contract and core, and functions by entry path
 * - cli/               the campaign CLI, a client of the public API: the contract and its own libraries
 */

/** The folders under lambdas/ that are not a function. */
const SHARED = '(contract|core)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle makes the load order matter and the layers meaningless.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'contract-is-a-leaf',
      severity: 'error',
      comment:
        'The contract is read by the CDK app, the functions, the local runner and the tests: it may import only ' +
        'itself and libraries without side effects, never our other code or an AWS SDK.',
      from: { path: '^lambdas/contract/' },
      to: {
        pathNot: ['^lambdas/contract/', '^node_modules/(zod|@asteasolutions/zod-to-openapi)/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'domain-is-plain-typescript',
      severity: 'error',
      comment:
        'Domain rules (CSV, dedupe, statuses) import no AWS SDK and no adapter: they are tested directly.',
      from: { path: '^lambdas/core/domain/' },
      to: {
        pathNot: ['^lambdas/core/domain/', '^lambdas/contract/', '^node_modules/csv-parse/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'only-the-store-touches-dynamodb',
      severity: 'error',
      comment:
        'Every DynamoDB key and command is built in lambdas/core/store/; everyone else goes through a store. ' +
        'Type-only imports (a client type in a signature) build nothing and are allowed.',
      from: { path: '^(lambdas|local|ops|lib|bin)/', pathNot: '^lambdas/core/store/' },
      to: {
        path: '^node_modules/@aws-sdk/(client-dynamodb|lib-dynamodb)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'cdk-app-imports-only-the-contract',
      severity: 'error',
      comment:
        'The CDK app bundles functions by entry path; importing a handler or core module would load clients, ' +
        'loggers and SDKs into `cdk synth`.',
      from: { path: '^(lib|bin)/' },
      to: { path: '^lambdas/', pathNot: '^lambdas/contract/' },
    },
    {
      name: 'functions-are-isolated',
      severity: 'error',
      comment:
        "A function's folder imports no other function's folder: what two functions share goes to core/.",
      from: { path: '^lambdas/([^/]+)/', pathNot: `^lambdas/${SHARED}/` },
      to: { path: '^lambdas/[^/]+/', pathNot: ['^lambdas/$1/', `^lambdas/${SHARED}/`] },
    },
    {
      name: 'shared-code-imports-no-function',
      severity: 'error',
      comment: 'The contract and core are below every function; they never reach up into one.',
      from: { path: `^lambdas/${SHARED}/` },
      to: { path: '^lambdas/', pathNot: `^lambdas/${SHARED}/` },
    },
    {
      name: 'runner-loads-functions-by-entry-only',
      severity: 'error',
      comment:
        "The local runner loads each function's handler from its entry path (FUNCTIONS), as Lambda does; it " +
        "never imports a function's modules.",
      from: { path: '^(local|ops)/' },
      to: { path: '^lambdas/', pathNot: `^lambdas/${SHARED}/` },
    },
    {
      name: 'cli-is-an-api-client',
      severity: 'error',
      comment:
        'The campaign CLI reaches the API over HTTP, as any client does: it may read the contract (routes, ' +
        'limits) and use its own libraries, never core, a function, the runner or an AWS SDK.',
      from: { path: '^cli/' },
      to: {
        pathNot: ['^cli/', '^lambdas/contract/', '^node_modules/(commander|cli-progress|zod)/'],
        dependencyTypesNot: ['core'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(cdk\\.out|\\.local)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
