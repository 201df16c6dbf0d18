/**
 * Progress of a long operation on stderr: one line rewritten in place on a terminal, a line every
 * few seconds otherwise (logs, CI), and always the final figures.
 */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastLine = started;
  const line = (text: string) => `${label}: ${text} (${((Date.now() - started) / 1000).toFixed(1)} s)`;
  return {
    update(text: string) {
      if (stream.isTTY) stream.write(`\r${line(text)}\x1b[K`);
      else if (Date.now() - lastLine >= 2_000) {
        lastLine = Date.now();
        stream.write(`${line(text)}\n`);
      }
    },
    done(text: string) {
      stream.write(`${stream.isTTY ? '\r' : ''}${line(text)}${stream.isTTY ? '\x1b[K' : ''}\n`);
    },
  };
}
