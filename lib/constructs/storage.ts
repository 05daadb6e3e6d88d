import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  EMAIL_SENDS_TABLE,
  type IndexDefinition,
  type KeyAttribute,
} from '../../lambdas/contract/table-schema.js';

// Keyed by the schema's own type union, so a new key type there fails to compile here until mapped.
const ATTRIBUTE_TYPES: Record<KeyAttribute['type'], AttributeType> = { S: AttributeType.STRING };

const PROJECTIONS: Record<IndexDefinition['projection'], ProjectionType> = {
  KEYS_ONLY: ProjectionType.KEYS_ONLY,
};

const keyOf = (key: KeyAttribute): Attribute => ({ name: key.name, type: ATTRIBUTE_TYPES[key.type] });

export interface StorageProps {
  /** RETAIN for anything holding real sends; DESTROY only for throw-away stacks. */
  readonly removalPolicy: RemovalPolicy;
  /** Refuse DeleteTable (from the console, the CLI or a stack update that replaces the table). */
  readonly deletionProtection: boolean;
}

/**
 * The EmailSends table, built from the same definition the local runner creates its table from. Its
 * construct id names the data model: `EmailSendsV2` is the model of docs/data-model.md, a new table
 * beside the first model's (`EmailSends`), which a stack with RETAIN keeps, unused, for reading or
 * deleting by hand (docs/data-model.md, Migrating).
 */
export class Storage extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = new Table(this, 'EmailSendsV2', {
      partitionKey: keyOf(EMAIL_SENDS_TABLE.partitionKey),
      sortKey: keyOf(EMAIL_SENDS_TABLE.sortKey),
      // Uploads arrive in bursts with nothing in between: on-demand costs nothing while idle.
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: EMAIL_SENDS_TABLE.timeToLiveAttribute,
      removalPolicy: props.removalPolicy,
      deletionProtection: props.deletionProtection,
    });
    for (const index of EMAIL_SENDS_TABLE.globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: keyOf(index.partitionKey),
        sortKey: keyOf(index.sortKey),
        // Keys only: a page reads its items by key, and only a change of index key writes the index.
        projectionType: PROJECTIONS[index.projection],
      });
    }
  }
}
