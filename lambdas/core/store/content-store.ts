import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchPut } from './batch-put.js';
import { contentKey } from './item-keys.js';

/**
 * The contents of a campaign, stored once per distinct text (its id is the text's hash), never once
 * per recipient: a send item only refers to its content.
 */
export class ContentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    /** Batch writes in flight at once. */
    private readonly concurrency = 8,
  ) {}

  /** Stores each content once: the id is the content's hash, so rewriting one is harmless. */
  async putContents(contents: { contentId: string; content: string }[]): Promise<void> {
    await batchPut(
      this.db,
      this.tableName,
      'content items',
      contents.map((c) => ({ ...contentKey(c.contentId), type: 'content', ...c })),
      this.concurrency,
    );
  }

  async getContent(contentId: string): Promise<string | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: contentKey(contentId) }));
    const content = out.Item?.content;
    return typeof content === 'string' ? content : undefined;
  }
}
