import { pino, type Logger } from 'pino';

/** Keel's structured JSON logger (worker side). Never log request headers or environment values. */
export function createLogger(level: string = process.env.KEEL_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'keel', level, redact: { paths: ['apiKey', '*.apiKey', 'headers.authorization', 'headers["x-api-key"]'], censor: '[redacted]' } });
}
