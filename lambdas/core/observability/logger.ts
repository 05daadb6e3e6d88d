import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per container. Never log an address unmasked (see maskEmail). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'campaign-mailer' });
