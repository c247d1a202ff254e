/** One JSON document as `--json` prints it: indented for a person at a terminal, one line for a pipe. */
export function jsonDocument(value: unknown, tty: boolean | undefined): string {
  return `${JSON.stringify(value, null, tty ? 2 : undefined)}\n`;
}
