import { pino, type Logger } from 'pino';

/** Where log lines go (a stream, or anything that takes a line). @default stdout */
export interface LogDestination {
  write(line: string): void;
}

/**
 * Keel's structured JSON logger, for every process Keel runs (worker, codec server, CLI when it logs): one place,
 * below everything that logs. Never log request headers, environment values or key material; the
 * redaction below is a second line of defence, not a licence.
 */
export function createLogger(level: string = process.env.KEEL_LOG_LEVEL ?? 'info', destination?: LogDestination): Logger {
  const options = {
    name: 'keel',
    level,
    redact: {
      paths: ['apiKey', '*.apiKey', 'token', '*.token', 'authorization', 'headers.authorization', 'headers["x-api-key"]', 'encryptionKeys', '*.encryptionKeys'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
