/** A connection string with the password (from its own secret) joined in. */
export function withPassword(connection: string, password: string | undefined): string {
  if (password === undefined || password === '') return connection;
  const parsed = new URL(connection);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** A connection string safe to log: credentials removed. */
export function redactUrl(connection: string): string {
  try {
    const parsed = new URL(connection);
    parsed.username = parsed.username ? '***' : '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
