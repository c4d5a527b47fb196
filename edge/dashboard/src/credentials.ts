const KEY = "tickmesh.credential";
const ACCOUNT = "tickmesh.account";
const SYMBOL = "tickmesh.symbol";

/** What the user pasted: an API key (sent as x-api-key, exchanged by the edge) or a JWT (sent as a bearer token). */
export function credentialHeaders(credential: string): Record<string, string> {
  const value = credential.trim();
  if (value === "") return {};
  return looksLikeJwt(value) ? { authorization: `Bearer ${value}` } : { "x-api-key": value };
}

export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

function stored(key: string) {
  return {
    get: (): string => localStorage.getItem(key) ?? "",
    set: (value: string): void => (value === "" ? localStorage.removeItem(key) : localStorage.setItem(key, value)),
  };
}

export const savedCredential = stored(KEY);
export const savedAccount = stored(ACCOUNT);
export const savedSymbol = stored(SYMBOL);
