/** Structured log lines; secrets are never passed here (only names, keys and error messages). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export const silentLogger: Logger = () => undefined;

/** JSON lines on a stream (stderr by default), like knative's zap output. */
export function jsonLogger(write: (line: string) => void, minLevel: LogLevel = 'info'): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  return (level, msg, fields) => {
    if (order.indexOf(level) < order.indexOf(minLevel)) return;
    write(`${JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
}
