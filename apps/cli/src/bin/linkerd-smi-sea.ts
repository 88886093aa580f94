// The entry point of the single executable (see ../sea.ts); the npm package's is linkerd-smi.ts.
import { inSea, startSea } from "../sea.js";

if (inSea()) {
  startSea();
} else {
  process.stderr.write("linkerd-smi: this script runs only inside the linkerd-smi executable\n");
  process.exitCode = 1;
}
