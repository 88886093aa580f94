/**
 * The protobuf wire format, as much of it as `check --served` needs: reading the fields of a
 * message (varint, 64-bit, length-delimited and 32-bit values) and writing string and message
 * fields. Field numbers and types are Linkerd's proxy API's (see policy.ts).
 */

/** One field of a message as it is on the wire. */
export type WireField =
  | { readonly no: number; readonly type: "varint"; readonly value: bigint }
  | { readonly no: number; readonly type: "bytes"; readonly value: Uint8Array }
  | { readonly no: number; readonly type: "fixed64" | "fixed32"; readonly value: Uint8Array };

export class WireError extends Error {
  override name = "WireError";
}

function varint(buf: Uint8Array, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length && shift < 70n; i++) {
    const byte = buf[i] ?? 0;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw new WireError(`truncated or overlong varint at byte ${at}`);
}

/** The fields of one message, in wire order (repeated fields appear once per element). */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = varint(buf, at);
    const no = Number(key >> 3n);
    const type = Number(key & 7n);
    if (no === 0) throw new WireError(`field number 0 at byte ${at}`);
    at = next;
    switch (type) {
      case 0: {
        const [value, after] = varint(buf, at);
        out.push({ no, type: "varint", value });
        at = after;
        break;
      }
      case 1:
      case 5: {
        const size = type === 1 ? 8 : 4;
        if (at + size > buf.length) throw new WireError(`truncated field ${no} at byte ${at}`);
        out.push({
          no,
          type: type === 1 ? "fixed64" : "fixed32",
          value: buf.subarray(at, at + size),
        });
        at += size;
        break;
      }
      case 2: {
        const [length, after] = varint(buf, at);
        const end = after + Number(length);
        if (end > buf.length) throw new WireError(`truncated field ${no} at byte ${at}`);
        out.push({ no, type: "bytes", value: buf.subarray(after, end) });
        at = end;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${type} of field ${no} at byte ${at}`);
    }
  }
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Typed access to a message's fields by number (proto3: a missing field is its default). */
export class WireMessage {
  private readonly fields: WireField[];

  constructor(buf: Uint8Array) {
    this.fields = readFields(buf);
  }

  /** Whether field `no` is present (for oneof members and sub-messages). */
  has(no: number): boolean {
    return this.fields.some((f) => f.no === no);
  }

  /** The last value of a string field ("" when absent). */
  string(no: number): string {
    const f = this.last(no);
    return f?.type === "bytes" ? decoder.decode(f.value) : "";
  }

  /** The last value of a uint32 field (0 when absent). */
  uint32(no: number): number {
    const f = this.last(no);
    return f?.type === "varint" ? Number(BigInt.asUintN(32, f.value)) : 0;
  }

  /** The last value of a sub-message field, undefined when absent. */
  message(no: number): WireMessage | undefined {
    const f = this.last(no);
    return f?.type === "bytes" ? new WireMessage(f.value) : undefined;
  }

  /** Every element of a repeated sub-message field. */
  messages(no: number): WireMessage[] {
    return this.fields
      .filter((f) => f.no === no && f.type === "bytes")
      .map((f) => new WireMessage(f.value as Uint8Array));
  }

  private last(no: number): WireField | undefined {
    for (let i = this.fields.length - 1; i >= 0; i--)
      if (this.fields[i]?.no === no) return this.fields[i];
    return undefined;
  }
}

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A length-delimited field (`string`, `bytes` or a sub-message). */
export function lengthDelimited(no: number, value: string | Uint8Array): Uint8Array {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  return Uint8Array.from([...encodeVarint((no << 3) | 2), ...encodeVarint(bytes.length), ...bytes]);
}

/** A uint32 field (omitted when 0, as proto3 writes it). */
export function uint32Field(no: number, value: number): Uint8Array {
  return value === 0
    ? new Uint8Array()
    : Uint8Array.from([...encodeVarint(no << 3), ...encodeVarint(value)]);
}

/** The fields of a message, concatenated. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
