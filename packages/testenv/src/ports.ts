import { createServer } from "node:net";

/**
 * Asks the kernel for a free loopback port. The port is released before it is
 * used, so two runs can in theory race for it; the caller retries start-up on
 * "address in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port the kernel assigned"));
        return;
      }
      server.close(() => {
        resolve(address.port);
      });
    });
  });
}
