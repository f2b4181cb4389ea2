/**
 * A tiny structured logger: one line per event, `key=value` fields, and redaction by field name.
 *
 * Rules the example follows (DESIGN 5: never log a secret):
 * - request bodies, cookies and Authorization headers are never passed to the logger at all;
 * - errors are logged as their library `code` and message (library messages never contain key
 *   material, signatures, mnemonics or nonces: SPEC 2), never as the raw object;
 * - any field whose name looks secret-bearing is replaced by `[redacted]` as a second line of
 *   defence against a careless call.
 * Tests pass `sink` to capture every line (examples/express/logs.test.ts).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | null | readonly string[]>>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Field names that must never carry a value into a log line. */
const SECRET_FIELD = /secret|token|signature|mnemonic|passphrase|password|kek|cookie|authorization|umk|seed|private|key$/i;

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return formatValue(value.join(','));
  const s = String(value);
  // Keep one event per line whatever a message contains.
  const flat = s.replace(/[\r\n\u2028\u2029]+/g, ' ').slice(0, 500);
  return /[\s"=]/.test(flat) || flat === '' ? JSON.stringify(flat) : flat;
}

/** Render one line: `2025-01-31T12:00:00.000Z INFO  event k=v ...`. */
export function formatLine(level: LogLevel, event: string, fields: LogFields = {}, now = new Date()): string {
  const parts = [now.toISOString(), level.toUpperCase().padEnd(5), event];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    parts.push(`${k}=${SECRET_FIELD.test(k) ? '[redacted]' : formatValue(v)}`);
  }
  return parts.join(' ');
}

export interface LoggerOptions {
  /** Lowest level written; default `info`. */
  readonly level?: LogLevel;
  /** Where lines go; default stdout (info, debug) and stderr (warn, error). */
  readonly sink?: (line: string, level: LogLevel) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const sink =
    options.sink ??
    ((line: string, level: LogLevel) => (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(`${line}\n`));
  const at = (level: LogLevel) => (event: string, fields?: LogFields) => {
    if (ORDER[level] >= min) sink(formatLine(level, event, fields), level);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Parse a LOG_LEVEL value; anything unknown is `info`. */
export function parseLogLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}
