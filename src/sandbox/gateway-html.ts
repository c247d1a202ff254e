import { STATUS_CODES } from 'node:http';

/**
 * The page an nginx/Tengine gateway in front of DashScope or OSS sends for its own errors. Clients
 * that assume every error body is JSON (or XML) trip over it, which is what the fault is for.
 */
export function gatewayHtml(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return (
    `<!DOCTYPE html>\n<html>\n<head><title>${title}</title></head>\n<body>\n` +
    `<center><h1>${title}</h1></center>\n<hr><center>Tengine</center>\n</body>\n</html>\n`
  );
}
