import type { DownloadProgress } from '../api/download/index.js';

/** What a finished save shows. */
interface Saved {
  file: string;
  bytes: number;
  sha256: string;
}

import { formatBytes } from './format.js';
import { REDRAWS_PER_SECOND, type Ui } from './ui.js';

/** A cli-progress bar on a TTY; a start and an end line otherwise; nothing with --quiet/--json. */
export interface DownloadView {
  onProgress(p: DownloadProgress): void;
  done(result: Saved): void;
  stop(): void;
}

export async function downloadView(ui: Ui, label: string): Promise<DownloadView> {
  if (!ui.animate) {
    let started = false;
    return {
      onProgress(p) {
        if (started) return;
        started = true;
        const size = p.totalBytes ? ` (${formatBytes(p.totalBytes)})` : '';
        ui.info(
          p.resumedFrom > 0
            ? `resuming ${label} at ${formatBytes(p.resumedFrom)}${size}`
            : `downloading ${label}${size}`,
        );
      },
      done: (r) => ui.info(`saved ${r.file} (${formatBytes(r.bytes)}, ${digestLabel(r)})`),
      stop() {},
    };
  }
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: ui.io.stderr as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% | {done}/{size} | {speed}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: REDRAWS_PER_SECOND,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let startedAt = 0;
  let startBytes = 0;
  return {
    onProgress(p) {
      const total = p.totalBytes ?? 0;
      if (!started) {
        started = true;
        startedAt = Date.now();
        startBytes = p.transferredBytes;
        bar.start(total, p.transferredBytes, {
          done: formatBytes(p.transferredBytes),
          size: formatBytes(total),
          speed: '–',
        });
      }
      const seconds = (Date.now() - startedAt) / 1000;
      const speed = seconds > 0 ? formatBytes((p.transferredBytes - startBytes) / seconds) : '–';
      bar.update(p.transferredBytes, { done: formatBytes(p.transferredBytes), size: formatBytes(total), speed });
    },
    done(r) {
      if (started) bar.stop();
      ui.info(`saved ${r.file} (${formatBytes(r.bytes)})`);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function digestLabel(r: Saved): string {
  return `sha256 ${r.sha256.slice(0, 16)}…`;
}
