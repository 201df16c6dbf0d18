/**
 * Human-readable log lines for a terminal, written as a pino destination: pino has already
 * serialised and redacted each entry, so what this prints is exactly what the JSON line holds.
 * One line per entry (`12:03:04.512 INFO  eventstore/worker: command worker started queue=commands`),
 * an error's stack indented below it. Not a dependency (pino-pretty) so that production images
 * carry nothing they do not use.
 */
export interface LineDestination {
  write(line: string): unknown;
}

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
};
const ERROR_COLOR = '\x1b[31m';
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Fields every line has, shown in the prefix or not at all. */
const PREFIX_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'role', 'err']);

export function prettyDestination(out: LineDestination, options: { colors?: boolean } = {}): LineDestination {
  const colors = options.colors ?? true;
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line.trim() !== '') out.write(prettyLine(line, colors) + '\n');
      }
    },
  };
}

/** One JSON log line as text; anything that is not a pino entry passes through unchanged. */
export function prettyLine(line: string, colors = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry.level !== 'number') return line;
  const paint = (code: string, text: string) => (colors ? `${code}${text}${RESET}` : text);
  const [label, color] = LEVELS[entry.level] ?? [String(entry.level).padEnd(5), ''];
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const source = [entry.name, entry.role].filter((part) => typeof part === 'string').join('/');
  const fields = Object.entries(entry)
    .filter(([key]) => !PREFIX_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  const head = [paint(DIM, time), paint(color, label), source ? `${source}:` : '', String(entry.msg ?? ''), fields.length > 0 ? paint(DIM, fields.join(' ')) : '']
    .filter((part) => part !== '')
    .join(' ');
  return head + errorLines(entry.err, paint);
}

function errorLines(err: unknown, paint: (code: string, text: string) => string): string {
  if (!err || typeof err !== 'object') return '';
  const { stack, message } = err as { stack?: unknown; message?: unknown };
  const text = typeof stack === 'string' ? stack : typeof message === 'string' ? message : JSON.stringify(err);
  return '\n' + paint(ERROR_COLOR, text.split('\n').map((line) => `    ${line}`).join('\n'));
}
