import { Tracer } from '@aws-lambda-powertools/tracer';

/** X-Ray tracing; it switches itself off outside Lambda (locally, in tests). */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'campaign-mailer' });
