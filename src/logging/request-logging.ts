import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { HttpLogger } from 'pino-http';
import { redactRequest } from './redact';

const QUIET_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * One JSON line per HTTP request (probes and scrapes left out), on the process logger. Plain
 * pino-http: nothing binds a request context for the rest of the code, because keeping one
 * (AsyncLocalStorage) hooks every promise in the process: about a tenth of the app's CPU on
 * the bid path (docs/bidding-performance.md), for a context no log line used.
 */
export function requestLogging(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url ?? '') },
    // Credentials never reach the logs: headers by path (the logger's redact), query parameters by name.
    serializers: { req: redactRequest },
  });
}
