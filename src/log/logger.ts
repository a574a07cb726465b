import type { LogFormat, LogLevel } from '../config/checks.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values never reach a log line. */
const SECRET_FIELD = /(secret|token|password|authorization|cookie|api_?key|verifier|code$)/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function scrub(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k)) out[k] = '[redacted]';
    else if (v instanceof Error) out[k] = { name: v.name, message: v.message };
    else out[k] = v;
  }
  return out;
}

/**
 * One JSON line per event on stderr. Fields named like secrets are redacted, so a careless
 * `log.info('x', { token })` cannot leak a credential.
 */
export function createLogger(
  level: LogLevel,
  sink: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  format: LogFormat = 'json',
): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const t = new Date().toISOString();
    const clean = fields ? scrub(fields) : {};
    sink(format === 'pretty' ? pretty(t, lvl, msg, clean) : JSON.stringify({ t, level: lvl, msg, ...clean }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** `2026-12-06T12:00:00.000Z INFO  request method=GET path=/mcp status=200 …` */
function pretty(t: string, level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return [t, level.toUpperCase().padEnd(5), msg, ...pairs].join(' ');
}

/** Whether a level would be written (so a caller skips building fields nobody reads). */
export function enabled(configured: LogLevel, level: LogLevel): boolean {
  return ORDER[level] >= ORDER[configured];
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
