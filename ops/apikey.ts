import { parseArgs } from 'node:util';
import {
  type ApiKeyRecord,
  apiKeyRecordOf,
  generateApiKey,
  parseScopes,
} from '../lambdas/core/domain/api-key.js';
import { ApiKeyStore } from '../lambdas/core/store/api-key-store.js';
import { tableClient } from '../lambdas/core/store/table-client.js';
import { ensureTable } from '../lambdas/core/store/table-provisioning.js';
import { startDynamoEmulator } from '../local/emulators.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/local-clients.js';
import { localConfig } from '../local/local-config.js';
import { liveRunnerState } from '../local/runner-state.js';

const USAGE = `Manage API keys (stored as hashes in the EmailSends table).

  npm run apikey -- create --name <who> --scopes upload,read [target]
  npm run apikey -- list [target]
  npm run apikey -- revoke <keyId> [target]

Target:
  --local            the local runner's table (LOCAL_DATA_DIR, default .local), running or not
  --table <name>     a deployed table (the stack's TableName output), with the AWS credentials and
                     region of your environment; TABLE_NAME is used when --table is not given
Scopes: upload (POST /campaigns/upload), read (GraphQL). A key is shown once, at creation.`;

class UsageError extends Error {}

interface Target {
  keys: ApiKeyStore;
  close(): Promise<void>;
}

/** The local table: through the running runner's endpoint, or this process's own dynalite on its data. */
async function localTarget(): Promise<Target> {
  const config = localConfig(process.env);
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const running = liveRunnerState(config.dataDir);
  if (running) {
    const client = tableClient({ ...common, endpoint: running.dynamodbEndpoint });
    return {
      keys: new ApiKeyStore(client.documents, running.tableName),
      close: async () => client.raw.destroy(),
    };
  }
  const emulator = await startDynamoEmulator('127.0.0.1', `${config.dataDir}/dynamodb`);
  const client = tableClient({ ...common, endpoint: emulator.endpoint });
  await ensureTable(client.raw, config.tableName);
  return {
    keys: new ApiKeyStore(client.documents, config.tableName),
    close: async () => {
      client.raw.destroy();
      await emulator.stop();
    },
  };
}

function deployedTarget(tableName: string | undefined): Target {
  if (!tableName) throw new UsageError('name the table: --table <TableName output>, TABLE_NAME, or --local');
  const client = tableClient({});
  return { keys: new ApiKeyStore(client.documents, tableName), close: async () => client.raw.destroy() };
}

function describe(key: ApiKeyRecord): string {
  const state = key.revokedAt ? `revoked ${key.revokedAt}` : 'active';
  return `${key.keyId}  ${key.name.padEnd(20)}  ${key.scopes.join(',').padEnd(11)}  created ${key.createdAt}  ${state}`;
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      local: { type: 'boolean', default: false },
      table: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  if (!['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command "${command}"`);
  if (command === 'create' && (!values.name || !values.scopes)) {
    throw new UsageError('create needs --name and --scopes');
  }
  const scopes = command === 'create' ? parseScopes(values.scopes ?? '') : [];
  const target = values.local ? await localTarget() : deployedTarget(values.table ?? process.env.TABLE_NAME);
  try {
    switch (command) {
      case 'create': {
        const key = generateApiKey();
        const record = apiKeyRecordOf(key, values.name ?? '', scopes, new Date());
        await target.keys.create(record);
        console.log(
          `Created key ${record.keyId} (${record.name}) with scope(s) ${record.scopes.join(', ')}.`,
        );
        console.log('Store it now: it is not kept and cannot be shown again.\n');
        console.log(key);
        break;
      }
      case 'list': {
        let next: string | undefined;
        do {
          const page = await target.keys.list(next);
          for (const key of page.keys) console.log(describe(key));
          next = page.next;
        } while (next);
        break;
      }
      case 'revoke': {
        const [keyId] = rest;
        if (!keyId) throw new UsageError('revoke needs the key id (see list)');
        if (!(await target.keys.revoke(keyId, new Date()))) throw new UsageError(`no key with id ${keyId}`);
        console.log(`Revoked ${keyId}. Functions stop accepting it within their key cache time (60 s).`);
        break;
      }
    }
  } finally {
    await target.close();
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  console.error(`apikey: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exitCode = 1;
}
