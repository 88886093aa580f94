import type { ClientRequest } from "node:http";
import { request } from "node:https";
import { readKubeconfig } from "@linkerd-smi/testenv";

export interface WatchEvent<T> {
  type: string;
  object: T;
}

/**
 * A raw watch stream (one JSON event per line), so the benchmark sees each
 * profile change the moment the apiserver sends it, without polling load.
 * When the watch is refused (429 while the apiserver's cache initialises) or
 * ends, it starts again; a fresh watch replays every current object as ADDED,
 * so a consumer that tracks state by name stays right. A non-retryable answer
 * is reported through `onError`.
 */
export function watchStream<T>(
  kubeconfig: string,
  path: string,
  onEvent: (event: WatchEvent<T>) => void,
  onError: (error: Error) => void,
  onOpen: () => void = () => undefined,
): () => void {
  const { server, caPem, user } = readKubeconfig(kubeconfig);
  const url = new URL(`${path}${path.includes("?") ? "&" : "?"}watch=true`, server);
  let stopped = false;
  let current: ClientRequest | undefined;
  const restart = (afterMs: number) => {
    if (!stopped) setTimeout(open, afterMs).unref();
  };
  function open(): void {
    current = request(
      url,
      { ca: caPem, headers: { Authorization: `Bearer ${user.token}` } },
      (res) => {
        if (res.statusCode !== 200) {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => {
            if (res.statusCode === 429 || (res.statusCode ?? 500) >= 500)
              restart(Number(res.headers["retry-after"] ?? 1) * 1000);
            else
              onError(
                new Error(`watch ${path}: HTTP ${String(res.statusCode)}: ${body.slice(0, 300)}`),
              );
          });
          return;
        }
        onOpen();
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line.trim() === "") continue;
            const event = JSON.parse(line) as WatchEvent<T>;
            if (event.type !== "ERROR") onEvent(event);
          }
        });
        res.on("end", () => restart(0));
      },
    );
    current.on("error", () => restart(200));
    current.end();
  }
  open();
  return () => {
    stopped = true;
    current?.destroy();
  };
}
