/** An API error as the user reads it, announced to screen readers; a 401 says where the token goes. */
import { ApiRequestError } from './api';

export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const unauthorized = error instanceof ApiRequestError && error.status === 401;
  return (
    <p class="error" role="alert">
      {unauthorized ? 'This server needs an API token: enter it at the top of the page. ' : ''}
      {error.message}
    </p>
  );
}
