import { type FileProblem, FileProblemDetailsSchema } from '../../contract/api-schemas.js';
import type { CampaignFileError } from '../domain/campaign-file-error.js';

/**
 * The 400 answer for a file that cannot be a campaign. Only the details the FileProblem schema
 * documents (the line, the placeholder) reach the client: a detail added in the domain shows up once
 * the schema, and so the document, has it.
 */
export function fileProblemOf(error: CampaignFileError): FileProblem {
  return { error: error.message, problem: error.problem, ...FileProblemDetailsSchema.parse(error.details) };
}
