/**
 * The secret part of an API key `btk_<12-character prefix>_<secret>` (src/auth/api-keys.service.ts).
 * The secret may itself contain "_": it is cut by position, never by splitting.
 */
export function apiKeySecret(key: string): string {
  return key.slice('btk_'.length + 12 + 1);
}
