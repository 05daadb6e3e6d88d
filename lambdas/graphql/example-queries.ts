/**
 * The tabs GraphiQL opens with: one query for each question analysts ask (issue "GraphQL for
 * analysts", "Why"), the seed query that `npm start` prints first. GraphiQL titles a tab with the name
 * of its operation (an anonymous `{ … }` is `<untitled>`), so each query is named, and the question it
 * answers is its first line. Shown only until the browser has tabs of its own stored.
 */
export interface ExampleQuery {
  /** The operation's name: the tab's title. */
  readonly name: string;
  readonly question: string;
  /** The selection of `query <name>`. */
  readonly body: string;
}

const examples: readonly ExampleQuery[] = [
  {
    name: 'SentEmails',
    question: 'What went out? The newest sends first.',
    body: `{
  emailSends(status: "SENT") {
    sendId batchId email subject status createdAt
  }
}`,
  },
  {
    name: 'BatchProgress',
    question: 'How far along is a batch, and when did it start and finish?',
    body: `{
  batch(batchId: "paste-a-batch-id") {
    fileName createdAt startedAt finishedAt total finished countsExact
    counts { queued sending sent error }
    writing { state rowsWritten runs error { code message } }
  }
}`,
  },
  {
    name: 'LargeFileUpload',
    question: 'Was a large file read? If not, why was it refused?',
    body: `{
  upload(batchId: "paste-the-batch-id-of-the-upload-url") {
    state runs updatedAt finishedAt
    error { code message line }
    batch { total invalid duplicates report { errors { line reason value } } }
  }
}`,
  },
  {
    name: 'FailedSends',
    question: 'Which sends of a batch failed, and why?',
    body: `{
  batch(batchId: "paste-a-batch-id") {
    sends(status: "ERROR", first: 100) {
      items { email errorCode errorMessage attempts updatedAt }
      nextCursor
    }
  }
}`,
  },
  {
    name: 'SentOnADay',
    question: 'What went out on a given day?',
    body: `{
  emailSendsPage(status: "SENT", from: "2026-11-17", to: "2026-11-17", first: 100) {
    items { email subject sentAt sesMessageId batchId }
    nextCursor
  }
}`,
  },
  {
    name: 'RecentBatches',
    question: 'Recent batches and what their uploads reported',
    body: `{
  batches(first: 20) {
    items {
      batchId fileName createdAt received total duplicates invalid dryRun
      report { truncated errors { line reason value } duplicatesList { line email firstLine } }
    }
    nextCursor
  }
}`,
  },
  {
    name: 'OneSend',
    question: 'One send: its delivery record and the mail as sent',
    body: `{
  emailSend(sendId: "paste-a-send-id") {
    email status attempts errorCode errorMessage sesMessageId sentAt dryRun createdAt updatedAt
    content { subject text html }
  }
}`,
  },
];

export const EXAMPLES: readonly (ExampleQuery & { readonly query: string })[] = examples.map((example) => ({
  ...example,
  query: `# ${example.question}\nquery ${example.name} ${example.body}\n`,
}));

/** GraphiQL's `defaultTabs`. */
export const EXAMPLE_QUERIES: readonly { query: string }[] = EXAMPLES.map(({ query }) => ({ query }));
