/**
 * Every price bench:cost uses, written once: us-east-1, on-demand list prices, without free tiers
 * (a campaign should not look cheap because the account's free tier happens to be unused).
 *
 * Price date: the public list prices as they stand after DynamoDB's on-demand price cut of
 * 1 November 2024 (write and read request units halved, to $0.625 and $0.125 per million), unchanged
 * through 2025 as far as known here. They were not fetched: the bench runs offline, so check the pages
 * below before quoting a figure.
 */
export const PRICE_DATE =
  'us-east-1 on-demand list prices after the 1 Nov 2024 DynamoDB price cut (not fetched: offline)';

export interface Price {
  /** Dollars per `per` units. */
  dollars: number;
  per: number;
  unit: string;
  source: string;
  note?: string;
}

export const PRICES = {
  dynamoWriteUnit: {
    dollars: 0.625,
    per: 1e6,
    unit: 'write request units',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'on-demand, Standard table class; $1.25 before the 1 Nov 2024 cut',
  },
  dynamoReadUnit: {
    dollars: 0.125,
    per: 1e6,
    unit: 'read request units',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: '$0.25 before the 1 Nov 2024 cut',
  },
  dynamoStorage: {
    dollars: 0.25,
    per: 1,
    unit: 'GB-month (table and indexes, 100 B overhead per item)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'first 25 GB free: ignored',
  },
  dynamoPitr: {
    dollars: 0.2,
    per: 1,
    unit: 'GB-month of table size (continuous backups)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  sqsRequest: {
    dollars: 0.4,
    per: 1e6,
    unit: 'requests (standard queue; each 64 KB of payload is one)',
    source: 'https://aws.amazon.com/sqs/pricing/',
    note: 'first 1M per month free: ignored',
  },
  lambdaGbSecond: {
    dollars: 0.0000133334,
    per: 1,
    unit: 'GB-second (arm64)',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaRequest: {
    dollars: 0.2,
    per: 1e6,
    unit: 'invocations',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  s3Put: {
    dollars: 0.005,
    per: 1000,
    unit: 'PUT, COPY, POST, LIST requests (S3 Standard)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3Get: {
    dollars: 0.0004,
    per: 1000,
    unit: 'GET, HEAD and other requests (S3 Standard)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3Storage: {
    dollars: 0.023,
    per: 1,
    unit: 'GB-month (S3 Standard, first 50 TB)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  xrayTrace: {
    dollars: 5,
    per: 1e6,
    unit: 'traces recorded',
    source: 'https://aws.amazon.com/xray/pricing/',
    note: 'first 100k traces per month free: ignored; retrieval ($0.50/M) only when someone looks',
  },
  logsIngestion: {
    dollars: 0.5,
    per: 1,
    unit: 'GB of CloudWatch Logs ingested (Standard class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  logsStorage: {
    dollars: 0.03,
    per: 1,
    unit: 'GB-month of CloudWatch Logs stored (counted uncompressed here)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  eventBridgeServiceEvent: {
    // SES publishes its events to the default bus as AWS service events: EventBridge charges nothing for
    // them, nor for a rule's delivery to an SQS target (custom events put with PutEvents would be $1.00
    // per million). The SQS requests of the delivery are counted as SQS requests.
    dollars: 0,
    per: 1e6,
    unit: 'AWS service events on the default bus (SES event publishing), with their rule deliveries',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    note: 'free; custom events would be $1.00 per million',
  },
  apiGatewayRequest: {
    dollars: 1,
    per: 1e6,
    unit: 'HTTP API requests (first 300M per month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
} as const satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;

/** Dollars for `amount` units of a price. */
export const dollarsOf = (id: PriceId, amount: number): number =>
  (amount * PRICES[id].dollars) / PRICES[id].per;

/**
 * What the model assumes of AWS where the emulators cannot tell (they are neither as fast nor as slow
 * as the real services): each is used once, in cost-model.ts, and printed with the results.
 */
export const ASSUMPTIONS = {
  /** SES v2 SendEmail round trip from Lambda in the same region. */
  sesLatencyMs: { value: 50, why: 'typical SES SendEmail round trip in-region (30–80 ms)' },
  /** One DynamoDB single-item call (UpdateItem, GetItem) from Lambda in the same region. */
  dynamoLatencyMs: { value: 6, why: 'typical single-item DynamoDB call in-region (4–8 ms)' },
  /** One S3 GET of a chunk of rows. */
  s3GetLatencyMs: { value: 30, why: 'S3 first-byte latency plus a ≤ 1 MB body in-region' },
  /** Lambda's START, END and REPORT lines (with the X-Ray trace line) per invocation. */
  platformLogBytesPerInvocation: { value: 500, why: 'START + END + REPORT lines with XRAY TraceId' },
  /** Keys Powertools' logger adds to each line on Lambda (function name, ARN, request id, trace id…). */
  lambdaContextBytesPerLogLine: { value: 300, why: 'injectLambdaContext keys on each JSON line' },
  /** Lambda's default X-Ray sampling: the first request each second, then this share of the rest. */
  xrayReservoirPerSecond: {
    value: 1,
    why: "Lambda's default sampling, 1 request/s per function (were it per container, 14/s would trace every sender invocation: 100k traces, $0.50 per 1M)",
  },
  xrayFixedRate: { value: 0.05, why: 'default sampling rule: 5 % of the requests beyond the reservoir' },
  /** Pollers Lambda's SQS event source runs per queue while the queue is quiet. */
  sqsPollersPerQueue: { value: 5, why: "Lambda's SQS event source starts with 5 pollers per queue" },
  /**
   * One poller's round without a batching window: its long poll returns as soon as a message waits, then
   * it invokes the function and deletes what succeeded. Events per invocation = events/s × this ÷ the
   * pollers, from 1 to the batch size; with the window, the larger of this and what reaches a poller in
   * the window (cost-model.ts, eventsPerInvocationAt).
   */
  eventsReceiveCycleMs: {
    value: 100,
    why: 'a long poll returning at the first message + an events invocation + the delete (no batching window)',
  },
  /**
   * One ReceiveMessage while a poller gathers a batch in the batching window: a long poll returns what
   * waits as soon as something does, and the poller asks again. Events per receive = events/s × this ÷
   * the pollers, from 1 to 10.
   */
  sqsReceiveRoundTripMs: {
    value: 20,
    why: 'a ReceiveMessage in-region returning at once with the messages waiting (10–30 ms)',
  },
  /** A month, for GB-month prices: AWS bills storage by the hour over 730 hours. */
  hoursPerMonth: { value: 730, why: 'AWS bills GB-months per hour over a 730-hour month' },
  /** Size of one S3 server access log record (the bucket logs every request to the access-log bucket). */
  s3AccessLogRecordBytes: { value: 400, why: 'one line of S3 server access logs' },
} as const;

export const assumed = (id: keyof typeof ASSUMPTIONS): number => ASSUMPTIONS[id].value;
