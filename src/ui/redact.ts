/**
 * The one place credentials are taken out of what meshctl prints: a URL's user name and password
 * (`https://user:pass@host` → `https://host`), wherever in a message it appears. Pure.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi;

export function redactCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1');
}
