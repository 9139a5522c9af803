/**
 * Error replies of the scripted model server, in the Messages API's error format (`{type: 'error', error: {type,
 * message}}`): the default error type for a status and the status for a type, the API's default messages, and
 * sending one as an HTTP answer. Used for scripted faults and for the server's own rejections alike, so a client
 * cannot tell them apart from the real API's. Worker/dev side only.
 */
import type { ServerResponse } from 'node:http';
import type { ApiErrorBody, ApiErrorType } from './api-types.js';
import { sendJson } from './http-response.js';

/** An error the server answers with before any scripted reply is consumed (bad route, key or body). */
export type Rejection = { status: number; type: ApiErrorType; message: string; headers?: Record<string, string> };

/** The body of an error answer, and the data of an SSE `error` event. */
export function errorBody(type: string, message: string): ApiErrorBody {
  return { type: 'error', error: { type, message } };
}

/** Writes an error answer and ends the response. */
export function sendError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, errorBody(type, message), headers);
}

const errorTypeByStatus: Record<number, ApiErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** The error type the API uses with an HTTP status; `api_error` for a status it has no special type for. */
export function defaultErrorTypeForStatus(status: number): ApiErrorType {
  return errorTypeByStatus[status] ?? 'api_error';
}

/** The HTTP status the API answers an error type with; 500 for a type it does not know. */
export function statusForErrorType(type: string): number {
  const entry = Object.entries(errorTypeByStatus).find(([, candidate]) => candidate === type);
  return entry === undefined ? 500 : Number(entry[0]);
}

// Keyed by string for lookup by a script's own type; `satisfies` keeps every key one of the API's types.
const defaultErrorMessages: Record<string, string> = {
  invalid_request_error: 'Invalid request.',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of requests has exceeded your rate limit.',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
} satisfies Partial<Record<ApiErrorType, string>>;

/** The message the API sends with an error type, or a marked placeholder for a type of the script's own. */
export function defaultErrorMessage(type: string): string {
  return defaultErrorMessages[type] ?? `scripted ${type}`;
}
