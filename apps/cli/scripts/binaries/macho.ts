/**
 * Mach-O code signatures: removing Node's before postject injects the blob (as
 * `codesign --remove-signature` does), and checking the ad-hoc one quill writes after.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;

interface LoadCommand {
  cmd: number;
  size: number;
  /** Where the command starts in the file. */
  off: number;
}
interface Segment extends LoadCommand {
  segname: string;
  fileoff: number;
  filesize: number;
  sections: string[];
}
interface CodeSignature extends LoadCommand {
  dataoff: number;
  datasize: number;
}

const cString = (buf: Buffer, start: number, end: number): string =>
  buf.toString("latin1", start, end).replace(/\0.*$/s, "");

function loadCommands(buf: Buffer): LoadCommand[] {
  if (buf.readUInt32LE(0) !== 0xfeedfacf) throw new Error("not a 64-bit little-endian Mach-O file");
  const ncmds = buf.readUInt32LE(16);
  const commands: LoadCommand[] = [];
  let off = 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    if (cmd === LC_SEGMENT_64) {
      const nsects = buf.readUInt32LE(off + 64);
      const sections: string[] = [];
      for (let s = 0; s < nsects; s++) {
        const so = off + 72 + s * 80;
        sections.push(cString(buf, so, so + 16));
      }
      const segment: Segment = {
        cmd,
        size,
        off,
        segname: cString(buf, off + 8, off + 24),
        fileoff: Number(buf.readBigUInt64LE(off + 40)),
        filesize: Number(buf.readBigUInt64LE(off + 48)),
        sections,
      };
      commands.push(segment);
    } else if (cmd === LC_CODE_SIGNATURE) {
      const signature: CodeSignature = {
        cmd,
        size,
        off,
        dataoff: buf.readUInt32LE(off + 8),
        datasize: buf.readUInt32LE(off + 12),
      };
      commands.push(signature);
    } else {
      commands.push({ cmd, size, off });
    }
    off += size;
  }
  return commands;
}

const isSegment = (c: LoadCommand): c is Segment => c.cmd === LC_SEGMENT_64;
const isSignature = (c: LoadCommand): c is CodeSignature => c.cmd === LC_CODE_SIGNATURE;
const segment = (commands: LoadCommand[], name: string): Segment | undefined =>
  commands.filter(isSegment).find((c) => c.segname === name);

/**
 * What `codesign --remove-signature` does: drops LC_CODE_SIGNATURE (the last
 * load command) and the signature at the end of __LINKEDIT, so that postject
 * works on an unsigned binary, as Node's documentation asks. False when the
 * binary has no signature.
 */
export function removeMachOSignature(path: string): boolean {
  const buf = readFileSync(path);
  const commands = loadCommands(buf);
  const sig = commands.find(isSignature);
  if (sig === undefined) return false;
  const linkedit = segment(commands, "__LINKEDIT");
  if (commands.at(-1) !== sig)
    throw new Error(`${path}: LC_CODE_SIGNATURE is not the last load command`);
  if (
    linkedit === undefined ||
    linkedit.fileoff + linkedit.filesize !== buf.length ||
    sig.dataoff + sig.datasize !== buf.length
  ) {
    throw new Error(`${path}: the code signature is not at the end of __LINKEDIT`);
  }
  buf.writeUInt32LE(buf.readUInt32LE(16) - 1, 16); // ncmds
  buf.writeUInt32LE(buf.readUInt32LE(20) - sig.size, 20); // sizeofcmds
  buf.fill(0, sig.off, sig.off + sig.size);
  buf.writeBigUInt64LE(BigInt(sig.dataoff - linkedit.fileoff), linkedit.off + 48); // __LINKEDIT filesize
  writeFileSync(path, buf.subarray(0, sig.dataoff));
  return true;
}

/**
 * Checks an ad-hoc signature as macOS does before running a binary: an
 * embedded signature (LC_CODE_SIGNATURE, at the end of __LINKEDIT) whose
 * CodeDirectory is ad-hoc, SHA-256, covers the file up to the signature and
 * holds the hash of every page. Returns a summary for the log.
 */
export function verifyMachOSignature(path: string): string {
  const buf = readFileSync(path);
  const commands = loadCommands(buf);
  const sig = commands.find(isSignature);
  if (sig === undefined) throw new Error(`${path}: no LC_CODE_SIGNATURE load command`);
  const sea = segment(commands, "NODE_SEA");
  if (sea === undefined || !sea.sections.includes("__NODE_SEA_BLOB"))
    throw new Error(`${path}: no NODE_SEA,__NODE_SEA_BLOB section`);
  const linkedit = segment(commands, "__LINKEDIT");
  if (
    linkedit === undefined ||
    sig.dataoff < linkedit.fileoff ||
    sig.dataoff + sig.datasize > linkedit.fileoff + linkedit.filesize
  ) {
    throw new Error(`${path}: the signature is not inside __LINKEDIT`);
  }
  const sb = sig.dataoff;
  if (buf.readUInt32BE(sb) !== 0xfade0cc0)
    throw new Error(`${path}: no embedded signature SuperBlob`);
  const count = buf.readUInt32BE(sb + 8);
  let cd: number | undefined;
  for (let i = 0; i < count; i++) {
    const type = buf.readUInt32BE(sb + 12 + i * 8);
    if (type === 0) cd = sb + buf.readUInt32BE(sb + 16 + i * 8);
  }
  if (cd === undefined || buf.readUInt32BE(cd) !== 0xfade0c02)
    throw new Error(`${path}: no CodeDirectory`);
  const flags = buf.readUInt32BE(cd + 12);
  const hashOffset = buf.readUInt32BE(cd + 16);
  const identOffset = buf.readUInt32BE(cd + 20);
  const nCodeSlots = buf.readUInt32BE(cd + 28);
  const codeLimit = buf.readUInt32BE(cd + 32);
  const hashSize = buf.readUInt8(cd + 36);
  const hashType = buf.readUInt8(cd + 37);
  const pageSize = 2 ** buf.readUInt8(cd + 39);
  const identity = buf.toString("latin1", cd + identOffset, buf.indexOf(0, cd + identOffset));
  if ((flags & 0x2) === 0)
    throw new Error(`${path}: the signature is not ad-hoc (flags 0x${flags.toString(16)})`);
  if (hashType !== 2 || hashSize !== 32) throw new Error(`${path}: not a SHA-256 CodeDirectory`);
  if (codeLimit !== sig.dataoff)
    throw new Error(`${path}: the signature covers ${codeLimit} bytes, not ${sig.dataoff}`);
  if (nCodeSlots !== Math.ceil(codeLimit / pageSize))
    throw new Error(`${path}: ${nCodeSlots} page hashes for ${codeLimit} bytes`);
  for (let i = 0; i < nCodeSlots; i++) {
    const page = buf.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
    const want = buf.subarray(cd + hashOffset + i * 32, cd + hashOffset + (i + 1) * 32);
    if (!createHash("sha256").update(page).digest().equals(want))
      throw new Error(`${path}: page ${i} does not match its hash`);
  }
  return `ad-hoc signature ok (identifier ${identity}, ${nCodeSlots} page hashes checked)`;
}
