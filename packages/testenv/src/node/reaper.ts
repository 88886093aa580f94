// Started (detached) by TestNode.reserve: waits for the test process that runs the node to end,
// however it ends, then clears what its node left (containers, mounts, links, chains, the guard
// last), unless another run has taken the node lock meanwhile (that run clears at its start).
//   node dist/node/reaper.js <pid>
import { closeSync, openSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { clearNode, NODE_LOCK } from "./cleanup.js";

const parent = Number(process.argv[2]);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

while (alive(parent)) await new Promise((r) => setTimeout(r, 500));
const fd = openSync(NODE_LOCK, "a+");
// The same lock the node holds: only take it if nobody else did since the parent died.
const got = spawnSync("flock", ["-x", "-n", "3"], { stdio: ["ignore", "ignore", "ignore", fd] });
if (got.status === 0) await clearNode();
closeSync(fd);
