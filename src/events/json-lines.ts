/** Splits a byte stream into JSON values, one a line; a line that is not JSON is skipped. */
export function jsonLineReader(onValue: (value: unknown) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim()) {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          value = undefined;
        }
        if (value !== undefined) onValue(value);
      }
      newline = pending.indexOf('\n');
    }
  };
}
