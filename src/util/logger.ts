/**
 * A minimal levelled logger. Level from FLOTILLA_LOG_LEVEL (debug | info | warn | error | silent),
 * default `warn`, so a library embedded in a user's script stays quiet unless something is wrong.
 * Sinks can be added (the worker adds its log file and an in-memory tail).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogSink = (line: string, level: LogLevel) => void;

function thresholdFromEnv(): number {
  const raw = (process.env.FLOTILLA_LOG_LEVEL ?? 'warn').toLowerCase() as LogLevel | 'silent';
  return ORDER[raw] ?? ORDER.warn;
}

export class Logger {
  readonly #sinks: LogSink[] = [];
  #threshold = thresholdFromEnv();

  constructor(readonly name: string, toStderr = true) {
    if (toStderr) this.#sinks.push((line) => process.stderr.write(line + '\n'));
  }

  addSink(sink: LogSink): void {
    this.#sinks.push(sink);
  }

  setLevel(level: LogLevel | 'silent'): void {
    this.#threshold = ORDER[level];
  }

  /** Writes a line to every sink regardless of level (task console output, which the user asked for). */
  raw(line: string, level: LogLevel = 'info'): void {
    for (const sink of this.#sinks) sink(line, level);
  }

  #write(level: LogLevel, message: string): void {
    if (ORDER[level] < this.#threshold) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${this.name}: ${message}`;
    for (const sink of this.#sinks) sink(line, level);
  }

  debug(message: string): void { this.#write('debug', message); }
  info(message: string): void { this.#write('info', message); }
  warn(message: string): void { this.#write('warn', message); }
  error(message: string): void { this.#write('error', message); }
}
