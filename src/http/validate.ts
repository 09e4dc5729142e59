import type { z } from 'zod';
import { CopilotError } from '../errors.js';

/**
 * Validates a request body and turns the first problem into a 400 whose message names the field
 * ("message must not be empty"), so an API user can fix the request without reading the source.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.slice(0, 3).map((i) => {
    const field = i.path.map(String).join('.');
    return field ? `${field} ${i.message}` : i.message;
  });
  throw new CopilotError('http:bad_request', `${reasons.join('; ')}.`, { status: 400 });
}

/** Zod error text for a string field: distinguishes "missing" from "wrong type". */
export const stringField = {
  error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : 'must be a string'),
};

export const jsonObject = { error: 'Request body must be a JSON object (Content-Type: application/json)' };
