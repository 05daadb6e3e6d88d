/**
 * The tabs GraphiQL opens with: one query for each question analysts ask (issue "GraphQL for
 * analysts", "Why"). Shown only until the browser has tabs of its own stored.
 */
const examples: { title: string; query: string }[] = [
  {
    title: 'How far along is a batch, and when did it start and finish?',
    query: `{
  batch(batchId: "paste-a-batch-id") {
    fileName createdAt startedAt finishedAt total finished
    counts { pending queued sending sent error }
  }
}`,
  },
  {
    title: 'Was a large file read? If not, why was it refused?',
    query: `{
  upload(batchId: "paste-the-batch-id-of-the-upload-url") {
    state runs updatedAt finishedAt
    error { code message line }
    batch { total invalid duplicates report { errors { line reason value } } }
  }
}`,
  },
  {
    title: 'Which sends of a batch failed, and why?',
    query: `{
  batch(batchId: "paste-a-batch-id") {
    sends(status: "ERROR", first: 100) {
      items { email errorCode errorMessage attempts updatedAt }
      nextCursor
    }
  }
}`,
  },
  {
    title: 'What went out on a given day?',
    query: `{
  emailSendsPage(status: "SENT", from: "2026-11-17", to: "2026-11-17", first: 100) {
    items { email subject sentAt sesMessageId batchId }
    nextCursor
  }
}`,
  },
  {
    title: 'Recent batches and what their uploads reported',
    query: `{
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
    title: 'One send: its delivery record and the mail as sent',
    query: `{
  emailSend(sendId: "paste-a-send-id") {
    email status attempts errorCode errorMessage sesMessageId sentAt dryRun createdAt updatedAt
    content { subject text html }
  }
}`,
  },
];

export const EXAMPLE_QUERIES = examples.map(({ title, query }) => ({ query: `# ${title}\n${query}` }));
