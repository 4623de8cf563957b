// Checks every response an auth router sends against the OpenAPI document of that instance: the status must be
// documented for the operation, and the body must validate against the schema given for that status.
import type { Express, NextFunction, Request, Response } from 'express';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Auth } from '../../lib';

interface Operation {
  method: string;
  pattern: RegExp;
  path: string;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

function operationsOf(document: ReturnType<Auth['openapi']>): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]+\\\}|\{[^}]+\}/g, '[^/]+')}/?$`, 'i');
    for (const [method, operation] of Object.entries(methods)) {
      operations.push({ method: method.toUpperCase(), pattern, path, responses: (operation as { responses: Operation['responses'] }).responses });
    }
  }
  return operations;
}

/**
 * Installs the check on `app` (before the auth router is mounted) and returns the violations found so far. Requests
 * that match no documented operation (the host's own routes, unknown paths) are not checked.
 */
export function checkResponsesAgainstDocument(app: Express, auth: Auth, basePath: string): string[] {
  const violations: string[] = [];
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  let operations: Operation[] | undefined;
  const validators = new Map<object, ReturnType<typeof ajv.compile>>();
  const validatorFor = (schema: object) => {
    let validate = validators.get(schema);
    if (!validate) validators.set(schema, (validate = ajv.compile(schema)));
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
      operations ??= operationsOf(auth.openapi({ basePath }));
      const path = req.originalUrl.split('?')[0] ?? '';
      const operation = operations.find((candidate) => candidate.method === req.method && candidate.pattern.test(path));
      if (!operation) return;
      const where = `${req.method} ${operation.path} → ${res.statusCode}`;
      const documented = operation.responses[String(res.statusCode)];
      if (!documented) {
        violations.push(`${where}: status not documented`);
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const type = String(res.getHeader('content-type') ?? '').split(';')[0]!.trim();
      const media = documented.content?.[type];
      if (!documented.content) {
        if (text !== '') violations.push(`${where}: documented without a body, sent ${JSON.stringify(text.slice(0, 80))}`);
        return;
      }
      if (!media) {
        violations.push(`${where}: content type "${type}" not documented`);
        return;
      }
      const body: unknown = type === 'application/json' ? JSON.parse(text) : text;
      const validate = validatorFor(media.schema);
      if (!validate(body)) violations.push(`${where}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 200)}`);
    });
    next();
  });
  return violations;
}
