/** Query parameters that carry credentials (docs/security.md): never written to logs. */
const SECRET_PARAMETERS = ['api_key', 'access_token', 'token', 'admin_token'];
const SECRET_QUERY = new RegExp(`([?&](?:${SECRET_PARAMETERS.join('|')})=)[^&#]*`, 'gi');

/** The URL with the values of credential parameters replaced: `/x?api_key=[Redacted]&a=1`. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[Redacted]');
}

/** pino `redact` paths for credential headers of the logged request. */
export const REDACTED_HEADERS = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'req.headers["proxy-authorization"]'];

/** pino-http's request serializer output, with credential query parameters removed. */
export function redactRequest<T extends { url?: string; query?: Record<string, unknown> }>(req: T): T {
  const query = req.query && Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, SECRET_PARAMETERS.includes(k.toLowerCase()) ? '[Redacted]' : v]));
  return Object.assign({}, req, { url: redactUrl(req.url) }, query ? { query } : {});
}
