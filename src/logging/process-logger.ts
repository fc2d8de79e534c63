import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import type { Logger } from 'pino';
import { REDACTED_HEADERS } from './redact';

/**
 * The process's one pino logger: Nest's log calls and the request logs write the same JSON
 * lines. Synchronous, so the line a failed start ends with is written before the process exits.
 * Credential headers are redacted on every line that carries a request.
 */
export function createProcessLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED_HEADERS, censor: '[Redacted]' } }, pino.destination({ sync: true }));
}

/** Nest's LoggerService on a pino logger, from the first line of a start to the last of a stop. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, context?: string): void {
    this.pino.info({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    if (message instanceof Error) this.pino.error({ context, err: message }, message.message);
    else this.pino.error({ context, ...(trace ? { trace } : {}) }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.pino.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.pino.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.pino.trace({ context }, String(message));
  }

  /** The one line a failed start ends with, naming the cause. */
  fatal(message: string, cause: unknown): void {
    const error = cause as NodeJS.ErrnoException;
    this.pino.fatal({ cause: error?.message ?? String(cause), code: error?.code }, message);
  }
}

/** Why the platform could not start, in words an operator can act on. */
export function describeStartupFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'EADDRINUSE') return `cannot listen on ${e.address ?? ''}:${e.port ?? ''}: the port is in use`;
  if (e?.code === 'ECONNREFUSED') return `PostgreSQL refused the connection at ${e.address ?? ''}:${e.port ?? ''} (is it running? check DATABASE_URL)`;
  if (e?.code === 'ENOTFOUND') return `cannot resolve the database host (check DATABASE_URL)`;
  if (e?.code === '28P01') return 'PostgreSQL refused the credentials in DATABASE_URL';
  if (e?.code === '3D000') return 'the database named in DATABASE_URL does not exist';
  return `start failed: ${e?.message ?? String(error)}`;
}
