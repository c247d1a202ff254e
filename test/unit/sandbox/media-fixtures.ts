import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from '../../../src/sandbox/index.js';
import { KEY } from './helpers.js';

/**
 * Input files for create tests, and ways to hand them to the sandbox: a loopback file server (the
 * sandbox downloads http(s) inputs from loopback only) and the temporary-file upload (oss://).
 */

/** A box: 32-bit size, type, payload. */
function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/**
 * An MP4 with only the boxes that say how long and how large it is (ftyp, moov/mvhd, moov/trak/tkhd):
 * what the service's checks and the sandbox's `inspectMedia` read. The sandbox never decodes a clip.
 */
export function fakeMp4(seconds: number, width = 640, height = 360): Buffer {
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(Math.round(seconds * 1000), 16);
  const tkhd = Buffer.alloc(84);
  tkhd.writeUInt32BE(width * 65536, 76);
  tkhd.writeUInt32BE(height * 65536, 80);
  const ftyp = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2mp41', 'latin1'));
  return Buffer.concat([ftyp, box('moov', box('mvhd', mvhd), box('trak', box('tkhd', tkhd)))]);
}

/** The PNG with its header claiming another size: enough for checks that read headers only. */
export function pngClaiming(png: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(png);
  copy.writeUInt32BE(width, 16);
  copy.writeUInt32BE(height, 20);
  return copy;
}

export interface FileServer {
  url(path: string): string;
  /** Requests received, by path. */
  hits: string[];
  close(): Promise<void>;
}

/**
 * Serves `files` on 127.0.0.1; `/hang` accepts the request and never answers, `redirects` answer 302,
 * any other path is 404. `chunked: true` leaves out Content-Length, so a reader must count the bytes.
 */
export async function startFileServer(
  files: Record<string, Buffer>,
  options: { chunked?: boolean; redirects?: Record<string, string> } = {},
): Promise<FileServer> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    if (path === '/hang') return;
    const location = options.redirects?.[path];
    if (location) {
      res.writeHead(302, { location }).end();
      return;
    }
    const body = files[path];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    if (options.chunked) {
      // Written before end(): Node cannot know the length, so it sends the body chunked.
      res.writeHead(200);
      res.write(body);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Uploads `bytes` for `model` the way the SDKs do (getPolicy, then the form POST); returns the oss:// URL. */
export async function uploadFile(
  sb: Sandbox,
  model: string,
  name: string,
  bytes: Uint8Array,
  key = KEY,
): Promise<string> {
  const reply = await fetch(`${sb.baseUrl}/uploads?action=getPolicy&model=${encodeURIComponent(model)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const policy = ((await reply.json()) as { data: Record<string, string> }).data;
  const objectKey = `${policy.upload_dir}/${name}`;
  const form = new FormData();
  form.append('OSSAccessKeyId', policy.oss_access_key_id!);
  form.append('Signature', policy.signature!);
  form.append('policy', policy.policy!);
  form.append('key', objectKey);
  form.append('x-oss-object-acl', policy.x_oss_object_acl!);
  form.append('x-oss-forbid-overwrite', policy.x_oss_forbid_overwrite!);
  form.append('success_action_status', '200');
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(policy.upload_host!, { method: 'POST', body: form });
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return `oss://${objectKey}`;
}
