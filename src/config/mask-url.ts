// Credentials inside a URL (`mqtt://user:secret@host`, `wss://host/mqtt?token=...`) masked for
// printing: check-config and config error messages show the URL with "***" in their place. Logs,
// doctor and the status port go further and drop the user info (mqtt/client-options displayUrl).

/** Query parameters that carry a secret in broker URLs (custom authorizers, signed WebSocket URLs). */
const SECRET_PARAM = /pass|token|secret|signature|auth|key|credential/i;

/** The URL with its password and secret-looking query values as "***"; other text unchanged. */
export function maskUrlCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL the parser takes: still hide anything between "://user:" and "@".
    return url.replace(/(\/\/[^/:@\s]*:)[^@/\s]*@/, '$1***@');
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, '***');
  const text = parsed.toString().replace(/%2A%2A%2A/g, '***');
  // URL adds a "/" to an empty path; keep the text as the config wrote it.
  return url.endsWith('/') || parsed.pathname !== '/' || parsed.search !== '' ? text : text.replace(/\/$/, '');
}

/** Free text (an error message) with the password of every URL in it masked. */
export function maskCredentialsIn(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s@/]*@/gi, '$1***@');
}

/** True when a string holds a URL with user info or a query: worth masking before it is echoed. */
export function mayHoldCredentials(text: string): boolean {
  return /:\/\/[^\s/]*@|[?&][^=\s]*=/.test(text);
}
