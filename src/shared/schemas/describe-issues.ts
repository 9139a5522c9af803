import type { z } from 'zod';

/**
 * A one-line account of a zod error naming each field, e.g. `messages: at least one message is required;
 * mode: Invalid option`. Reports the first few issues only: a long list hides the one that matters.
 */
export function describeIssues(error: z.ZodError, maxIssues = 4): string {
  const parts = error.issues.slice(0, maxIssues).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length - maxIssues;
  return more > 0 ? `${parts.join('; ')}; and ${more} more` : parts.join('; ');
}
