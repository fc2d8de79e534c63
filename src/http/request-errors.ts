/**
 * The HTTP transport's own refusals, made before any feature sees the request: a body the body
 * parsers cannot take. Mapped to a status in src/http/http-errors.ts; docs/protocol.md lists them.
 */
export enum RequestErrorCode {
  /** The body does not parse as its Content-Type says (JSON with a syntax error, or not an object or array). */
  MalformedBody = 'MALFORMED_BODY',
  /** The body is larger than the parsers take (BODY_LIMIT). */
  BodyTooLarge = 'BODY_TOO_LARGE',
}

/** The largest body the parsers read, for every content type. */
export const BODY_LIMIT = '4mb';
