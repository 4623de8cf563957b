// Checks every response an auth router sends against the OpenAPI document of that instance: the status must be
// documented for the operation, and the body must validate against the schema given for that status. References
// (`$ref` to `#/components/responses/…` and `#/components/schemas/…`) are followed: the whole document is given to
// Ajv, and each body is checked against the schema at its JSON pointer in it.
import type { Express, NextFunction, Request, Response } from 'express';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Auth } from '../../lib';

type Document = ReturnType<Auth['openapi']>;
type ResponseObject = { $ref?: string; content?: Record<string, { schema: object }> };

interface Operation {
  method: string;
  pattern: RegExp;
  path: string;
  /** The JSON pointer of the operation's `responses` in the document. */
  pointer: string;
  responses: Record<string, ResponseObject>;
}

/** The URI fragment of a JSON pointer (RFC 6901 escapes, then percent-encoding: paths hold `{` and `}`). */
const pointer = (...parts: string[]): string =>
  `#${parts.map((part) => `/${encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1'))}`).join('')}`;

function operationsOf(document: Document): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    const pattern = new RegExp(
      `^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]+\\\}|\{[^}]+\}/g, '[^/]+')}/?$`,
      'i',
    );
    for (const [method, operation] of Object.entries(methods)) {
      const responses = (operation as { responses: Operation['responses'] }).responses;
      operations.push({
        method: method.toUpperCase(),
        pattern,
        path,
        pointer: pointer('paths', path, method, 'responses'),
        responses,
      });
    }
  }
  return operations;
}

/** The response documented for `status`, following a `$ref` into `components.responses`, and its pointer. */
function responseOf(
  document: Document,
  operation: Operation,
  status: string,
): { response: ResponseObject; at: string } | undefined {
  const response = operation.responses[status];
  if (response?.$ref === undefined)
    return response && { response, at: `${operation.pointer}${pointer(status).slice(1)}` };
  const name = /^#\/components\/responses\/([^/]+)$/.exec(response.$ref)?.[1];
  const shared = (document.components as { responses?: Record<string, ResponseObject> } | undefined)?.responses?.[
    name ?? ''
  ];
  if (shared === undefined) throw new Error(`${operation.path}: unresolvable response ${response.$ref}`);
  return { response: shared, at: pointer('components', 'responses', name!) };
}

/**
 * Installs the check on `app` (before the auth router is mounted) and returns the violations found so far. Requests
 * that match no documented operation (the host's own routes, unknown paths) are not checked.
 */
export function checkResponsesAgainstDocument(app: Express, auth: Auth, basePath: string): string[] {
  const violations: string[] = [];
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  let document: Document | undefined;
  let operations: Operation[] | undefined;
  // The document is one schema resource to Ajv; a body is checked against `{ $ref: "<document>#<pointer>" }`.
  const documentId = 'urn:express-auth-kit:openapi';
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  const validatorFor = (at: string) => {
    let validate = validators.get(at);
    if (!validate) validators.set(at, (validate = ajv.compile({ $ref: `${documentId}${at}` })));
    return validate;
  };
  app.use((req: Request, res: Response, next: NextFunction) => {
    const chunks: Buffer[] = [];
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    (res as unknown as { end: (...args: unknown[]) => Response }).end = (...args: unknown[]) => {
      const chunk = args[0];
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) chunks.push(Buffer.from(chunk as string));
      return end(...args);
    };
    res.once('finish', () => {
      if (document === undefined) {
        document = auth.openapi({ basePath });
        ajv.addSchema({ ...document, $id: documentId });
      }
      operations ??= operationsOf(document);
      const path = req.originalUrl.split('?')[0] ?? '';
      const operation = operations.find((candidate) => candidate.method === req.method && candidate.pattern.test(path));
      if (!operation) return;
      const where = `${req.method} ${operation.path} → ${res.statusCode}`;
      const found = responseOf(document, operation, String(res.statusCode));
      if (!found) {
        violations.push(`${where}: status not documented`);
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const type = String(res.getHeader('content-type') ?? '')
        .split(';')[0]!
        .trim();
      const documented = found.response;
      const media = documented.content?.[type];
      if (!documented.content) {
        if (text !== '')
          violations.push(`${where}: documented without a body, sent ${JSON.stringify(text.slice(0, 80))}`);
        return;
      }
      if (!media) {
        violations.push(`${where}: content type "${type}" not documented`);
        return;
      }
      const body: unknown = type === 'application/json' ? JSON.parse(text) : text;
      const validate = validatorFor(`${found.at}${pointer('content', type, 'schema').slice(1)}`);
      if (!validate(body)) violations.push(`${where}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 200)}`);
    });
    next();
  });
  return violations;
}
