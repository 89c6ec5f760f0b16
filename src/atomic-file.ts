/**
 * Files that appear whole or not at all: written to a temporary name beside the target, flushed to
 * disk (fsync), then renamed over it, and the directory flushed so the rename survives a crash. A
 * reader never sees half a report, half a champion.json or half a model artifact.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { environmentError } from './errors.ts';

/** A temp name beside `target` (same directory, so the final rename is atomic): hidden, unique, recognisable. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.tmp-${path.basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write `content` to a new file (refusing to overwrite one) and flush it to disk before returning. */
export function writeFileDurable(file: string, content: string | Uint8Array): void {
  try {
    const fd = fs.openSync(file, 'wx');
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    // a full disk names the file it was writing (the caller removes the half-written temp)
    throw environmentError(err, file) ?? err;
  }
}

/** Flush a directory's entries (a rename or a new file in it) to disk; a no-op where the OS cannot. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Replace (or create) `file` with `content` atomically: temp file, fsync, rename, directory fsync. */
export function writeFileAtomic(file: string, content: string | Uint8Array): string {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temp = tempPathFor(file);
  try {
    writeFileDurable(temp, content);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  syncDirectory(path.dirname(path.resolve(file)));
  return file;
}

/**
 * Move a finished temp file or directory into place (rename) and flush the parent, so it appears
 * whole; on failure the temp is removed and the error rethrown.
 */
export function publishPath(temp: string, target: string): void {
  try {
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw err;
  }
  syncDirectory(path.dirname(path.resolve(target)));
}
