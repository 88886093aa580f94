/**
 * The Mach-O signature surgery on a small hand-made 64-bit Mach-O file: a header, a NODE_SEA
 * segment, __LINKEDIT and an LC_CODE_SIGNATURE whose ad-hoc CodeDirectory hashes 4 KiB pages.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeMachOSignature, verifyMachOSignature } from "./macho.js";

const PAGE = 4096;
const LINKEDIT_OFF = 2 * PAGE; // __LINKEDIT starts at the third page
const SIG_OFF = LINKEDIT_OFF + 100; // the signature sits at the end of __LINKEDIT

/** The file up to the signature: header, load commands (LC_CODE_SIGNATURE or not), code. */
function unsignedBody(withSignatureCommand: boolean): Buffer {
  const buf = Buffer.alloc(SIG_OFF);
  buf.writeUInt32LE(0xfeedfacf, 0);
  let off = 32;
  // NODE_SEA with one section, __NODE_SEA_BLOB
  buf.writeUInt32LE(0x19, off);
  buf.writeUInt32LE(72 + 80, off + 4);
  buf.write("NODE_SEA", off + 8, "latin1");
  buf.writeBigUInt64LE(BigInt(PAGE), off + 40);
  buf.writeBigUInt64LE(BigInt(PAGE), off + 48);
  buf.writeUInt32LE(1, off + 64);
  buf.write("__NODE_SEA_BLOB", off + 72, "latin1");
  off += 72 + 80;
  // __LINKEDIT, up to the signature (which signed() adds)
  buf.writeUInt32LE(0x19, off);
  buf.writeUInt32LE(72, off + 4);
  buf.write("__LINKEDIT", off + 8, "latin1");
  buf.writeBigUInt64LE(BigInt(LINKEDIT_OFF), off + 40);
  buf.writeBigUInt64LE(BigInt(SIG_OFF - LINKEDIT_OFF), off + 48);
  off += 72;
  let ncmds = 2;
  if (withSignatureCommand) {
    buf.writeUInt32LE(0x1d, off);
    buf.writeUInt32LE(16, off + 4);
    buf.writeUInt32LE(SIG_OFF, off + 8);
    off += 16;
    ncmds += 1;
  }
  buf.writeUInt32LE(ncmds, 16);
  buf.writeUInt32LE(off - 32, 20);
  buf.fill(0xab, PAGE, PAGE + 500); // some "code"
  return buf;
}

/** A signed file: body, then a SuperBlob with one ad-hoc SHA-256 CodeDirectory. */
function signed(): Buffer {
  const body = unsignedBody(true);
  const identity = Buffer.from("linkerd-smi\0", "latin1");
  const slots = Math.ceil(SIG_OFF / PAGE); // 3
  const cdHeader = 44;
  const cd = Buffer.alloc(cdHeader + identity.length + slots * 32);
  cd.writeUInt32BE(0xfade0c02, 0);
  cd.writeUInt32BE(cd.length, 4);
  cd.writeUInt32BE(0x2, 12); // adhoc
  cd.writeUInt32BE(cdHeader + identity.length, 16); // hashOffset
  cd.writeUInt32BE(cdHeader, 20); // identOffset
  cd.writeUInt32BE(slots, 28);
  cd.writeUInt32BE(SIG_OFF, 32); // codeLimit
  cd.writeUInt8(32, 36);
  cd.writeUInt8(2, 37);
  cd.writeUInt8(12, 39); // 4096-byte pages
  identity.copy(cd, cdHeader);
  // The load commands say where the signature is and how long, before the pages are hashed.
  const sigLength = 20 + cd.length;
  const sigCmd = 32 + 152 + 72;
  body.writeUInt32LE(sigLength, sigCmd + 12); // datasize
  body.writeBigUInt64LE(BigInt(SIG_OFF + sigLength - LINKEDIT_OFF), 32 + 152 + 48); // __LINKEDIT filesize
  for (let i = 0; i < slots; i++) {
    const page = body.subarray(i * PAGE, Math.min((i + 1) * PAGE, SIG_OFF));
    createHash("sha256")
      .update(page)
      .digest()
      .copy(cd, cdHeader + identity.length + i * 32);
  }
  const sb = Buffer.alloc(20);
  sb.writeUInt32BE(0xfade0cc0, 0);
  sb.writeUInt32BE(1, 8);
  sb.writeUInt32BE(0, 12); // CodeDirectory slot
  sb.writeUInt32BE(20, 16);
  sb.writeUInt32BE(sigLength, 4);
  return Buffer.concat([body, sb, cd]);
}

const write = (data: Buffer): string => {
  const path = join(mkdtempSync(join(tmpdir(), "macho-")), "bin");
  writeFileSync(path, data);
  return path;
};

describe("an ad-hoc Mach-O signature", () => {
  it("is accepted when every page matches its hash", () => {
    expect(verifyMachOSignature(write(signed()))).toBe(
      "ad-hoc signature ok (identifier linkerd-smi, 3 page hashes checked)",
    );
  });

  it("is refused when a signed page changed", () => {
    const file = signed();
    file[PAGE + 10] = 0xcd;
    expect(() => verifyMachOSignature(write(file))).toThrow("page 1 does not match its hash");
  });

  it("is refused when it is not ad-hoc", () => {
    const file = signed();
    file.writeUInt32BE(0, SIG_OFF + 20 + 12);
    expect(() => verifyMachOSignature(write(file))).toThrow(
      "the signature is not ad-hoc (flags 0x0)",
    );
  });

  it("is removed as codesign --remove-signature does", () => {
    const path = write(signed());
    expect(removeMachOSignature(path)).toBe(true);
    const out = readFileSync(path);
    expect(out.length).toBe(SIG_OFF);
    expect(out.readUInt32LE(16)).toBe(2); // ncmds
    expect(out.readUInt32LE(20)).toBe(152 + 72); // sizeofcmds
    expect(out.subarray(32 + 152 + 72, 32 + 152 + 72 + 16).every((b) => b === 0)).toBe(true);
    expect(out.readBigUInt64LE(32 + 152 + 48)).toBe(BigInt(SIG_OFF - LINKEDIT_OFF));
    // what is left is the file as it was before it was signed
    expect(out.equals(unsignedBody(false))).toBe(true);
  });

  it("is not there to remove in an unsigned file", () => {
    const path = write(unsignedBody(false));
    expect(removeMachOSignature(path)).toBe(false);
    expect(readFileSync(path).equals(unsignedBody(false))).toBe(true);
  });
});
