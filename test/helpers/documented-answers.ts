import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

export interface MediaType {
  schema?: JsonSchema;
  example?: unknown;
}

interface DocumentedResponse {
  description: string;
  content?: Record<string, MediaType>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>>;
  components: { schemas: Record<string, JsonSchema> };
}

/** An answer of the API, as a client reads it. */
export interface Answer {
  /** The route it answered, as API Gateway names it: `GET /docs/{asset}`. */
  routeKey: string;
  status: number;
  /** The media type, without parameters: `application/json`. */
  mediaType: string;
  /** The JSON value of a JSON answer, the text of any other. */
  body: unknown;
}

/** Reads a handler's result as a client would: gunzipped, JSON parsed when it is JSON. */
export function answerOf(routeKey: string, result: APIGatewayProxyStructuredResultV2): Answer {
  const headers = result.headers ?? {};
  const raw = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  const bytes = headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
  const mediaType = String(headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  const text = bytes.toString('utf8');
  return {
    routeKey,
    status: result.statusCode ?? 200,
    mediaType: mediaType ?? '',
    body: mediaType === 'application/json' || mediaType?.endsWith('+json') ? JSON.parse(text) : text,
  };
}

/**
 * Holds answers to an OpenAPI document: the route must be one of its operations, the status one of
 * that operation's responses, the media type one of that response's, and a JSON body must match that
 * media type's JSON Schema. The schemas are the document's own JSON, read by zod's JSON Schema reader,
 * with `#/components/schemas/…` resolved against the document's components: what is checked is what
 * the document says, not the code it was generated from.
 */
export class DocumentedAnswers {
  private readonly validators = new Map<MediaType, z.ZodType>();
  private readonly definitions: Record<string, JsonSchema>;

  constructor(private readonly document: OpenApiDocument) {
    this.definitions = JSON.parse(localRefs(document.components.schemas)) as Record<string, JsonSchema>;
  }

  /** The media type the document declares for this answer; throws, saying what is missing, if none. */
  mediaTypeOf(routeKey: string, status: number, mediaType: string): MediaType {
    const [method = '', path = ''] = routeKey.split(' ');
    const operation = this.document.paths[path]?.[method.toLowerCase()];
    if (operation === undefined) throw new Error(`the document has no operation ${routeKey}`);
    const response = operation.responses[String(status)];
    if (response === undefined) {
      throw new Error(
        `${routeKey} answered ${status}, which the document does not declare (it declares ${Object.keys(operation.responses).join(', ')})`,
      );
    }
    // An answer without a body, where the document declares none.
    if (response.content === undefined && mediaType === '') return {};
    const declared = response.content?.[mediaType];
    if (declared === undefined) {
      throw new Error(
        `${routeKey} ${status} answered ${mediaType || 'no content type'}; the document declares ${Object.keys(response.content ?? {}).join(', ') || 'no content'}`,
      );
    }
    return declared;
  }

  /** The example the document gives for an answer (its JSON media type). */
  exampleOf(routeKey: string, status: number): unknown {
    const example = this.mediaTypeOf(routeKey, status, 'application/json').example;
    if (example === undefined) throw new Error(`the document gives no example for ${routeKey} ${status}`);
    return example;
  }

  /** Throws, with the answer and what is wrong with it, unless the document declares it. */
  check(answer: Answer): void {
    const declared = this.mediaTypeOf(answer.routeKey, answer.status, answer.mediaType);
    if (declared.schema === undefined && answer.body !== '') {
      throw new Error(`${answer.routeKey} ${answer.status} has a body where the document declares none`);
    }
    this.checkValue(declared, answer.body, `${answer.routeKey} ${answer.status}`);
  }

  /** Throws unless `value` matches the JSON Schema of `declared`. */
  checkValue(declared: MediaType, value: unknown, what: string): void {
    if (declared.schema === undefined) return;
    const result = this.validatorOf(declared).safeParse(value);
    if (!result.success) {
      throw new Error(
        `${what} does not match the document: ${z.prettifyError(result.error)}\n${JSON.stringify(value).slice(0, 2000)}`,
      );
    }
  }

  private validatorOf(declared: MediaType): z.ZodType {
    let validator = this.validators.get(declared);
    if (validator === undefined) {
      const schema = JSON.parse(localRefs(declared.schema)) as JsonSchema;
      // A registry of its own: the converted schemas must not add to zod's global one, which the
      // OpenAPI generator reads.
      validator = z.fromJSONSchema({ ...schema, $defs: this.definitions }, { registry: z.registry() });
      this.validators.set(declared, validator);
    }
    return validator;
  }
}

/** The document's references, made references into `$defs`, where a JSON Schema reader looks. */
const localRefs = (value: unknown) => JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/$defs/');
