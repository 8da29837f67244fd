/** Values a log line may carry; callers pass only non-secret facts (element keys, reasons, statuses, ids). */
export type LogFields = Readonly<Record<string, string | number | undefined>>;

/** Writes one `ce-connect <event> key=value…` line. */
export type Logger = (event: string, fields?: LogFields) => void;

// Request-controlled values (an Origin header, say) must not be able to forge extra log lines.
function clean(value: string | number): string {
  const text = String(value).replace(/[^\x21-\x7e]/g, '?');
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** Wraps the host's line sink; a sink that throws never breaks a request. */
export function createLogger(sink: (line: string) => void): Logger {
  return (event, fields = {}) => {
    const parts = Object.entries(fields)
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      .map(([key, value]) => `${key}=${clean(value)}`);
    try {
      sink(['ce-connect', event, ...parts].join(' '));
    } catch {
      // Logging is best effort.
    }
  };
}
