// A deterministic tar writer: the same entries give the same bytes, whatever
// the files' owners, times and order on disk were. Entries are sorted by path,
// owned by 0:0 with no user or group names, and stamped with one mtime.
// Paths longer than ustar's fields get a PAX extended header.

const BLOCK = 512;

export type TarEntry = {
  /** Relative, "/"-separated, without a leading "/" or a trailing "/". */
  path: string;
  /** Permission bits (0o755, 0o644, ...). */
  mode: number;
} & (
  | { type: "file"; data: Buffer }
  | { type: "dir" }
  | { type: "symlink"; /** The symlink's target. */ linkname: string }
);

interface Header {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname?: string;
  prefix?: string;
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  const s = value.toString(8);
  if (s.length > width - 1)
    throw new Error(`tar: ${value} does not fit in ${width - 1} octal digits`);
  return s.padStart(width - 1, "0") + "\0";
}

function header({ name, mode, size, mtime, typeflag, linkname = "", prefix = "" }: Header): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode, 8), 100, "latin1");
  h.write(octal(0, 8), 108, "latin1"); // uid
  h.write(octal(0, 8), 116, "latin1"); // gid
  h.write(octal(size, 12), 124, "latin1");
  h.write(octal(mtime, 12), 136, "latin1");
  h.write("        ", 148, "latin1"); // checksum field counts as spaces
  h.write(typeflag, 156, "latin1");
  h.write(linkname, 157, 100, "utf8");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  // uname, gname: empty; devmajor, devminor:
  h.write(octal(0, 8), 329, "latin1");
  h.write(octal(0, 8), 337, "latin1");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + " ", 148, "latin1");
  return h;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0);

/** ustar's name/prefix split of `path`, or undefined when it does not fit. */
function splitUstar(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: "" };
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "")
      return { name, prefix };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  // "<length> <key>=<value>\n", where length counts itself.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

/** Adds every missing parent directory of the entries (mode 0755). */
export function withParents(entries: readonly TarEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    const parts = e.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const existing = byPath.get(dir);
      if (existing === undefined) byPath.set(dir, { path: dir, type: "dir", mode: 0o755 });
      else if (existing.type !== "dir")
        throw new Error(`tar: ${dir} is both a ${existing.type} and a directory`);
    }
  }
  return [...byPath.values()];
}

/**
 * The tar archive of `entries` (parents added, sorted by path), every entry
 * with modification time `mtime` (seconds since the epoch): its chunks, in order.
 */
export function tar(entries: readonly TarEntry[], mtime: number): Buffer[] {
  const all = withParents(entries).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks: Buffer[] = [];
  let previous: string | undefined;
  for (const e of all) {
    if (e.path === previous) throw new Error(`tar: ${e.path} appears twice`);
    previous = e.path;
    if (e.path.startsWith("/") || e.path.endsWith("/") || e.path.split("/").includes(".."))
      throw new Error(`tar: bad path ${JSON.stringify(e.path)}`);
    const path = e.type === "dir" ? `${e.path}/` : e.path;
    const data = e.type === "file" ? e.data : Buffer.alloc(0);
    const linkname = e.type === "symlink" ? e.linkname : "";
    const typeflag = { file: "0", dir: "5", symlink: "2" }[e.type];
    let split = splitUstar(path);
    const pax: string[] = [];
    if (split === undefined) pax.push(paxRecord("path", path));
    if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord("linkpath", linkname));
    if (pax.length > 0) {
      const body = Buffer.from(pax.join(""), "utf8");
      const base = (path.replace(/\/$/, "").split("/").pop() ?? "").slice(0, 80);
      chunks.push(
        header({
          name: `PaxHeaders/${base}`,
          mode: 0o644,
          size: body.length,
          mtime,
          typeflag: "x",
        }),
        body,
        padding(body.length),
      );
    }
    split ??= { name: path.slice(0, 100), prefix: "" };
    chunks.push(
      header({
        name: split.name,
        prefix: split.prefix,
        mode: e.mode,
        size: data.length,
        mtime,
        typeflag,
        linkname: Buffer.byteLength(linkname) > 100 ? linkname.slice(0, 100) : linkname,
      }),
    );
    if (data.length > 0) chunks.push(data, padding(data.length));
  }
  chunks.push(Buffer.alloc(BLOCK * 2, 0));
  return chunks;
}
